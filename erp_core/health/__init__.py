"""System health (系统日志与健康), the application log and data quality (数据质量): issue #16 items 5 and 6."""
