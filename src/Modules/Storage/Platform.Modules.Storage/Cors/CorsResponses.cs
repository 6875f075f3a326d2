using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Storage.Cors;

/// <summary>
/// How both S3 listeners answer browsers from a bucket's CORS rules: a preflight OPTIONS (no signature needed) and the
/// Access-Control-* headers of an actual request that carries an Origin, as S3 sends them.
/// </summary>
internal static class CorsResponses
{
    private const string Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

    private static readonly string[] Methods = ["GET", "PUT", "POST", "DELETE", "HEAD"];

    /// <summary>
    /// A preflight: 200 with the matching rule's headers; 400 BadRequest without an Origin or with a request method S3 does not
    /// serve; 403 AccessForbidden when the bucket has no rules or none allows the origin, method and request headers.
    /// </summary>
    public static async Task PreflightAsync(HttpContext context, string bucket, ISender sender, CancellationToken ct)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            throw new ApiException(400, "BadRequest", "Insufficient information. Origin request header needed.");
        }

        var method = request.Headers.AccessControlRequestMethod.ToString();
        if (!Methods.Contains(method, StringComparer.Ordinal))
        {
            throw new ApiException(400, "BadRequest", $"Invalid Access-Control-Request-Method: {(method.Length == 0 ? "null" : method)}");
        }

        var headers = RequestHeaders(request.Headers.AccessControlRequestHeaders.ToString());
        var configuration = await sender.Send(new FindCorsRules(bucket), ct) ?? throw S3Errors.CorsNotEnabled();
        var rule = configuration.Match(origin, method, headers) ?? throw S3Errors.CorsNotAllowed();
        var response = context.Response;
        Write(response, rule, origin);
        if (headers.Count > 0)
        {
            response.Headers.AccessControlAllowHeaders = string.Join(", ", headers);
        }

        response.StatusCode = 200;
        response.ContentLength = 0;
    }

    /// <summary>
    /// An actual request with an Origin on a bucket with CORS rules: its answer (success or error) carries Vary and, when a rule
    /// allows the origin and method, Access-Control-Allow-Origin, -Allow-Methods, -Expose-Headers, -Max-Age (and -Allow-Credentials
    /// for a named origin). A bucket that does not exist or has no rules adds nothing: the operation answers for itself.
    /// </summary>
    public static async Task AddToActualRequestAsync(HttpContext context, string bucket, ISender sender, CancellationToken ct)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return;
        }

        CorsConfiguration? configuration;
        try
        {
            configuration = await sender.Send(new FindCorsRules(bucket), ct);
        }
        catch (ApiException)
        {
            return;
        }

        if (configuration is null)
        {
            return;
        }

        var rule = configuration.Match(origin, context.Request.Method, []);
        var response = context.Response;
        response.OnStarting(() =>
        {
            // Set when the answer starts: an error answer clears the headers written before it.
            if (rule is null)
            {
                response.Headers.Vary = Vary;
            }
            else
            {
                Write(response, rule, origin);
            }

            return Task.CompletedTask;
        });
    }

    private static void Write(HttpResponse response, CorsRule rule, string origin)
    {
        response.Headers.AccessControlAllowOrigin = rule.AnyOrigin ? "*" : origin;
        if (!rule.AnyOrigin)
        {
            response.Headers.AccessControlAllowCredentials = "true";
        }

        response.Headers.AccessControlAllowMethods = string.Join(", ", rule.AllowedMethods);
        if (rule.ExposeHeaders.Count > 0)
        {
            response.Headers.AccessControlExposeHeaders = string.Join(", ", rule.ExposeHeaders);
        }

        if (rule.MaxAgeSeconds is { } maxAge)
        {
            response.Headers.AccessControlMaxAge = maxAge.ToString(CultureInfo.InvariantCulture);
        }

        response.Headers.Vary = Vary;
    }

    /// <summary>Access-Control-Request-Headers: comma-separated names, compared ignoring case; answered in lower case as S3 does.</summary>
    public static List<string> RequestHeaders(string header) =>
        [.. header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => h.ToLowerInvariant())];
}
