// Starts Swagger UI on /openapi.json. A separate file rather than an inline
// script so that the page's Content-Security-Policy can forbid inline scripts.
"use strict";

window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The public validator is unreachable from here and would leak the document.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    // People paste the bare token into the Authorize dialog; the API wants
    // "Bearer <token>".
    requestInterceptor: function (req) {
      var headers = req.headers || {};
      var value = headers.Authorization;
      if (value && !/^bearer\s/i.test(value)) {
        headers.Authorization = "Bearer " + value.trim();
      }
      return req;
    },
  });
});
