// Renders the server's own OpenAPI document with the vendored Swagger UI.
// No validator badge (it would call validator.swagger.io) and no other
// origin: everything comes from the server that serves this page.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    displayRequestDuration: true,
    persistAuthorization: false,
  });
});
