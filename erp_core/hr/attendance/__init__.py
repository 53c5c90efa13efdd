"""考勤与请假: work calendar (public holidays and 调休 working days as data), one shift per company, clock punches
imported from time-clock exports (ZKTeco ATTLOG, ZKTime/ZKAccess CSV, DingTalk daily summary), corrections
(补卡), leave kinds and requests (through the approvals engine), the monthly summary and its effect on pay."""
