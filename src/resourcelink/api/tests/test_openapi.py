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

    def test_it_serves_the_docs_from_local_static_files(self):
        response = self.client.get("/api/v1/docs")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/ninja/swagger-ui-bundle.js", html)
        self.assertNotIn("cdn.jsdelivr", html)
        self.assertNotIn("unpkg.com", html)
