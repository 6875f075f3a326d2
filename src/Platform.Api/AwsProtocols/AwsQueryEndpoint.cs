using System.Text;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.AwsProtocols;

/// <summary>
/// AWS's query protocol on the API's own port, as AWS's endpoints take it: <c>POST /</c> with a form body
/// (<c>Action=ListUsers&amp;Version=2010-05-08</c>) or <c>GET /?Action=…</c>, routed by the signature's service and
/// the action to the tables the modules registered. It holds no rules: the modules' requests decide.
/// </summary>
internal static class AwsQueryEndpoint
{
    public const string Route = "/";

    /// <summary>
    /// Marks query requests (and the JSON 1.0 and RPC v2 CBOR ones of the services that take them) before SigV4 runs, so
    /// that its refusals too are answered in the protocol's own shape.
    /// </summary>
    public static WebApplication UseAwsQueryProtocol(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata;
            if (metadata?.GetMetadata<AwsRpcV2CborEndpoint>() is not null)
            {
                context.Features.Set(new AwsJsonProtocolFeature { Cbor = true });
            }
            else if (metadata?.GetMetadata<AwsQueryProtocolFeature>() is not null)
            {
                if (AwsJsonEndpoint.IsJsonRequest(context.Request))
                {
                    context.Features.Set(new AwsJsonProtocolFeature { Cbor = false });
                }
                else
                {
                    context.Features.Set(new AwsQueryProtocolFeature { Dialect = ClaimedDialect(context.Request) });
                }
            }

            return next(context);
        });
        return app;
    }

    public static IEndpointRouteBuilder MapAwsQueryEndpoint(this IEndpointRouteBuilder routes)
    {
        var registry = routes.ServiceProvider.GetRequiredService<AwsQueryRegistry>();
        routes.MapMethods(Route, [HttpMethods.Get, HttpMethods.Post], HandleAsync)
            .WithMetadata(new SigningServiceSet(registry.ServiceNames), new AwsQueryProtocolFeature())
            .ExcludeFromDescription();
        routes.MapPost(AwsJsonEndpoint.CborRoute, (HttpContext context, string service, string operation, AwsQueryRegistry services, ICallerContext caller) =>
                AwsJsonEndpoint.HandleCborAsync(context, service, operation, services, caller))
            .WithMetadata(new SigningServiceSet(registry.JsonServiceNames), AwsRpcV2CborEndpoint.Instance)
            .ExcludeFromDescription();
        return routes;
    }

    /// <summary>
    /// The dialect of the service the request's credential scope names, read before the signature is checked and used for
    /// nothing but the shape of an error (an EC2 client parses <c>&lt;Response&gt;&lt;Errors&gt;</c>, not <c>&lt;ErrorResponse&gt;</c>).
    /// </summary>
    private static AwsQueryDialect ClaimedDialect(HttpRequest request)
    {
        var scope = request.Headers.Authorization.ToString() is { Length: > 0 } authorization && authorization.IndexOf("Credential=", StringComparison.Ordinal) is var at and >= 0
            ? authorization[(at + "Credential=".Length)..]
            : request.Query["X-Amz-Credential"].ToString();
        var parts = scope.Split([',', ' '], 2)[0].Split('/');
        return parts.Length >= 5 && parts[3] == "ec2" ? AwsQueryDialect.Ec2 : AwsQueryDialect.Query;
    }

    private static async Task HandleAsync(HttpContext context, AwsQueryRegistry registry, ICallerContext caller)
    {
        if (context.Features.Get<AwsJsonProtocolFeature>() is not null)
        {
            await AwsJsonEndpoint.HandleJsonAsync(context, registry, caller);
            return;
        }

        var signed = context.Features.Get<SignedService>()
            ?? throw new InvalidOperationException("The query endpoint ran without a verified signature.");
        var service = registry.Find(signed.Name)
            ?? throw new ApiException(403, "SignatureDoesNotMatch", $"Credential should be scoped to a valid service, not '{signed.Name}'.");
        var feature = context.Features.Get<AwsQueryProtocolFeature>()!;
        feature.XmlNamespace = service.XmlNamespace;
        feature.Dialect = service.Dialect;

        var request = context.Request;
        string? body = null;
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.ContentType is { Length: > 0 } type && !type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(415, "UnsupportedMediaType", "The request body must be application/x-www-form-urlencoded.");
            }

            // The SigV4 middleware has read (and bounded) the body already to hash it; it is buffered.
            using var reader = new StreamReader(request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
            try
            {
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }
            catch (DecoderFallbackException)
            {
                throw new ApiException(400, "MalformedQueryString", "The request body is not valid UTF-8.");
            }
        }

        // A presigned GET carries its signature in the query string: those parameters are the transport's, not the action's.
        var parameters = AwsQueryParameters.Parse([request.QueryString.Value?.TrimStart('?'), body],
            name => name.StartsWith("X-Amz-", StringComparison.Ordinal));
        var xml = await service.DispatchAsync(parameters, caller.Identity, context.RequestServices, context.TraceIdentifier, context.RequestAborted);
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(xml, context.RequestAborted);
    }
}
