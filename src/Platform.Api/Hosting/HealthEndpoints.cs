using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Modules.Shared.Authentication;

namespace Platform.Api.Hosting;

/// <summary>
/// <c>/healthz</c>: the process serves (no check runs). <c>/readyz</c>: every registered check (each module's
/// database, the job server, an available server), 200 when none is unhealthy, else 503, with each check's name,
/// status and detail in JSON. Neither needs a signature.
/// </summary>
internal static class HealthEndpoints
{
    public static WebApplication MapPlatformHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(AnonymousEndpoint.Instance);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteReadinessAsync }).WithMetadata(AnonymousEndpoint.Instance);
        return app;
    }

    private static async Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status == HealthStatus.Unhealthy ? "not_ready" : "ready");
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", entry.Status switch
            {
                HealthStatus.Healthy => "ok",
                HealthStatus.Degraded => "degraded",
                _ => "failing",
            });
            json.WriteString("detail", entry.Description ?? entry.Exception?.Message ?? "");
            json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
