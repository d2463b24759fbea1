"""The REST API at /api/v1/: one NinjaAPI, one router per app."""

from jixiao.conversations.api import router as conversations_router
from jixiao.core.api import ActiveSessionAuth, JixiaoAPI, TokenAuth, install_error_handlers
from jixiao.goals.api import kpi_router as goals_kpi_router
from jixiao.goals.api import router as goals_router
from jixiao.goals.api_company import company_router as goals_company_router
from jixiao.goals.api_company import library_router as goals_library_router
from jixiao.goals.api_company import template_router as goals_template_router
from jixiao.org.api import router as org_router
from jixiao.org.api_import import router as import_router
from jixiao.reviews.api import router as reviews_router

api = JixiaoAPI(
    title="jixiao API",
    version="1",
    description="Performance management: organisation, goals, reviews. Session or personal token auth.",
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", org_router)
api.add_router("/", import_router)
api.add_router("/", goals_router)
# Before goals_kpi_router: "/kpi-targets/assignments" must be matched before "/kpi-targets/{target_id}".
api.add_router("/", goals_template_router)
api.add_router("/", goals_kpi_router)
api.add_router("/", goals_company_router)
api.add_router("/", goals_library_router)
api.add_router("/reviews", reviews_router)
api.add_router("/conversations", conversations_router)
