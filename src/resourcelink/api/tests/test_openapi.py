from django.test import TestCase


class OpenApiTests(TestCase):
    def test_it_serves_the_openapi_document(self):
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        doc = response.json()
        self.assertTrue(doc["openapi"].startswith("3."))
        self.assertEqual(doc["info"]["title"], "ResourceLink API")
        self.assertEqual(doc["info"]["version"], "1")
        for path in ("/api/v1/resources", "/api/v1/resources/{resource_id}", "/api/v1/categories",
                     "/api/v1/categories/{category_id}", "/api/v1/communities", "/api/v1/communities/{community_id}",
                     "/api/v1/grids", "/api/v1/grids/{grid_id}"):
            self.assertIn(path, doc["paths"])
        self.assertIn("post", doc["paths"]["/api/v1/resources"])
        self.assertIn("patch", doc["paths"]["/api/v1/resources/{resource_id}"])
        schemes = doc["components"]["securitySchemes"]
        self.assertIn({"type": "http", "scheme": "bearer"}, list(schemes.values()))

    def test_it_documents_the_store_room_donations_fund_and_plans(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        paths = doc["paths"]
        expected = {
            "/api/v1/items": {"get", "post"}, "/api/v1/items/{item_id}": {"get", "patch"},
            "/api/v1/stores": {"get", "post"}, "/api/v1/stock": {"get"}, "/api/v1/lots": {"get"},
            "/api/v1/lots/{lot_id}/moves": {"get"}, "/api/v1/lots/{lot_id}/issue": {"post"},
            "/api/v1/lots/{lot_id}/return": {"post"}, "/api/v1/lots/{lot_id}/transfer": {"post"},
            "/api/v1/lots/{lot_id}/adjust": {"post"}, "/api/v1/lots/{lot_id}/write-off": {"post"},
            "/api/v1/stocktakes": {"get", "post"}, "/api/v1/stocktakes/{stocktake_id}/counts": {"post"},
            "/api/v1/stocktakes/{stocktake_id}/confirm": {"post"},
            "/api/v1/donors": {"get", "post"}, "/api/v1/donations": {"get", "post"},
            "/api/v1/donations/{donation_id}/feedback": {"post"},
            "/api/v1/donations/{donation_id}/acknowledgement": {"get"},
            "/api/v1/fund/accounts": {"get"}, "/api/v1/fund/accounts/{account_id}/entries": {"get"},
            "/api/v1/fund/accounts/{account_id}/grant": {"post"},
            "/api/v1/fund/accounts/{account_id}/transfer": {"post"},
            "/api/v1/fund/accounts/{account_id}/correct": {"post"},
            "/api/v1/plans": {"get", "post"}, "/api/v1/plans/{plan_id}": {"get", "patch"},
            "/api/v1/plans/{plan_id}/sources": {"post"}, "/api/v1/plans/{plan_id}/tiers/{rank}": {"put", "delete"},
            "/api/v1/plans/{plan_id}/allowances": {"post"}, "/api/v1/plans/{plan_id}/generate": {"post"},
            "/api/v1/plans/{plan_id}/lines": {"get"}, "/api/v1/plans/{plan_id}/lines/{line_id}": {"patch"},
            "/api/v1/plans/{plan_id}/shortfalls": {"get"}, "/api/v1/plans/{plan_id}/approve": {"post"},
            "/api/v1/plans/{plan_id}/close": {"post"}, "/api/v1/plans/{plan_id}/lines/{line_id}/handover": {"post"},
            "/api/v1/plans/{plan_id}/handovers": {"post"}, "/api/v1/plans/{plan_id}/surplus": {"get", "post"},
        }
        for path, methods in expected.items():
            self.assertIn(path, paths)
            self.assertLessEqual(methods, set(paths[path]), path)
        # Running out of stock or money, or a plan in the wrong status, is documented as 409.
        for path in ("/api/v1/lots/{lot_id}/issue", "/api/v1/fund/accounts/{account_id}/grant",
                     "/api/v1/plans/{plan_id}/approve"):
            self.assertIn("409", paths[path]["post"]["responses"], path)
        # Every operation has its own input and output schemas and the one error shape.
        grant = paths["/api/v1/fund/accounts/{account_id}/grant"]["post"]
        self.assertIn("$ref", grant["requestBody"]["content"]["application/json"]["schema"])
        self.assertIn("ErrorOut", str(grant["responses"]["400"]))

    def test_it_serves_the_docs_from_local_static_files(self):
        response = self.client.get("/api/v1/docs")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/ninja/swagger-ui-bundle.js", html)
        self.assertNotIn("cdn.jsdelivr", html)
        self.assertNotIn("unpkg.com", html)
