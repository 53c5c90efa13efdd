"""Help centre (帮助中心) rendered from docs/help, and user feedback (意见反馈) triaged by administrators:
issue #16 item 8."""
