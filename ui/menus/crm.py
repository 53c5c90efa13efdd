"""CRM in the navigation (客户关系): leads, pools, opportunities, service tickets, dashboard, settings."""

from ui.nav import PageSpec

G = "nav.group.crm"

PAGES = [
    PageSpec(file="pages/crm/leads.py", url_path="crm-leads", title="nav.crm.leads", group=G, any_of=("crm.lead.view",),
             icon=":material/person_search:", order=10),
    PageSpec(file="pages/crm/pools.py", url_path="crm-pools", title="nav.crm.pools", group=G, any_of=("crm.pool.view",),
             icon=":material/waves:", order=20),
    PageSpec(file="pages/crm/opportunities.py", url_path="crm-opportunities", title="nav.crm.opportunities", group=G,
             any_of=("crm.opportunity.view",), icon=":material/trending_up:", order=30),
    PageSpec(file="pages/crm/tickets.py", url_path="crm-tickets", title="nav.crm.tickets", group=G, any_of=("crm.ticket.view",),
             icon=":material/support_agent:", order=40),
    PageSpec(file="pages/crm/dashboard.py", url_path="crm-dashboard", title="nav.crm.dashboard", group=G, any_of=("crm.report.view",),
             icon=":material/monitoring:", order=50),
    PageSpec(file="pages/crm/settings.py", url_path="crm-settings", title="nav.crm.settings", group=G, any_of=("crm.setting.manage",),
             icon=":material/settings:", order=60),
]
