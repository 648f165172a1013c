// Starts Swagger UI on /schema (a file, not an inline script: the page's CSP allows scripts from 'self' only).
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/schema/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default would load a badge from validator.swagger.io
    presets: [SwaggerUIBundle.presets.apis],
  });
});
