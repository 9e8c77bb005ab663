/* The API docs page: starts Swagger UI on the portal's schema. The signed-in session authenticates "Try it out";
   unsafe methods carry the page's CSRF token. A personal API token can be given under "Authorize" instead. */
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  const csrf = document.querySelector('meta[name="portal-csrf-token"]').getAttribute("content");
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: false,
    requestInterceptor: (request) => {
      if (!["GET", "HEAD", "OPTIONS", undefined].includes(request.method)) {
        request.headers["X-CSRFToken"] = csrf;
      }
      return request;
    },
  });
});
