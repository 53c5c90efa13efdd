"""Purchase requisitions (请购单): the optional first step of purchasing — a department asks for goods; once
approved, "生成采购订单" turns the open lines into draft purchase orders, one per supplier."""
