using System.Security.Cryptography;
using Mediator;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.Features;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Payloads;

namespace Platform.Api.Authentication;

/// <summary>
/// Verifies the AWS SigV4 signature of every request (Authorization header or presigned query) and
/// makes the signer the request's caller. Unsigned requests are refused unless the endpoint is anonymous.
/// </summary>
internal sealed class SigV4AuthenticationMiddleware(TimeProvider clock, IOptions<PlatformOptions> platform) : IMiddleware
{
    /// <summary>Native API bodies are small JSON documents; larger ones are refused before they are hashed.</summary>
    public const int MaxHashedBodyBytes = 1 << 20;

    /// <summary>S3's largest single PUT (5 GiB) with room for aws-chunked framing.</summary>
    public const long MaxStreamedBodyBytes = 6L * 1024 * 1024 * 1024;

    private const string ContentSha256Header = "x-amz-content-sha256";
    private const string NativeS3Prefix = "/api/v1/s3";
    private static readonly SigV4Options NativeApi = new() { NormalizePath = true };

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        // The jobs dashboard's gate may have authenticated an unsigned request by its session cookie.
        if (metadata?.GetMetadata<AnonymousEndpoint>() is not null || metadata?.GetMetadata<HostAuthenticatedEndpoint>() is not null
            || context.RequestServices.GetRequiredService<CallerContext>().IsAuthenticated)
        {
            await next(context);
            return;
        }

        // Every endpoint names its service (a test holds each to it); a route that does not exist, or not for this
        // method, answers 404 or 405 whoever signed it.
        var service = metadata?.GetMetadata<SigningService>()?.Name;
        var services = metadata?.GetMetadata<SigningServiceSet>();

        // The native S3 endpoints and image uploads carry large bodies: streamed and checked on the way, never buffered.
        var s3Objects = context.Request.Path.StartsWithSegments(NativeS3Prefix);
        if (s3Objects || metadata?.GetMetadata<StreamedBodyEndpoint>() is not null)
        {
            if (!await AuthenticateStreamingAsync(context, NativeApi, service, allowUnsignedPayload: s3Objects))
            {
                throw new ApiException(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
            }

            await next(context);
            return;
        }

        var request = context.Request;
        // Unsigned is refused before the body is read: a client waiting for 100 Continue gets its answer without sending it.
        if (request.Headers.Authorization.Count == 0 && !request.Query.ContainsKey("X-Amz-Algorithm"))
        {
            throw new ApiException(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        }

        var bodyHash = await HashBodyAsync(request, context.RequestAborted);
        // Outside S3 the server hashes the body itself: whatever x-amz-content-sha256 says (UNSIGNED-PAYLOAD, STREAMING-…,
        // anything) must be that hash, or the signature would cover a body other than the one obeyed.
        if (request.Headers[ContentSha256Header] is { Count: > 0 } declaredValues
            && (declaredValues.Count > 1 || !string.Equals(declaredValues.ToString().Trim(), bodyHash, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest(request.Method, RawTarget(context), Headers(request)), NativeApi, bodyHash);
        var signature = Check(parsed, NativeApi, service)
            ?? throw new ApiException(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        if (services is not null && !services.Names.Contains(signature.Scope.Service))
        {
            // The query endpoint serves several services: the scope picks one of them, and must name one.
            throw new ApiException(403, "SignatureDoesNotMatch", $"Credential should be scoped to a valid service: one of '{string.Join("', '", services.Names)}'.");
        }

        context.Features.Set(new SignedService(signature.Scope.Service));

        await AuthenticateAsync(context, signature);
        await next(context);
    }

    /// <summary>
    /// The S3 REST API: S3's signing rules (no path normalization, unsigned presigned payloads), bodies
    /// streamed; a request without any signature goes on anonymous, for bucket policies to decide.
    /// </summary>
    public async Task InvokeS3Async(HttpContext context, RequestDelegate next)
    {
        await AuthenticateStreamingAsync(context, SigV4Options.S3, SigningService.S3.Name, allowUnsignedPayload: true);
        await next(context);
    }

    /// <summary>
    /// Checks the signature over the declared payload hash, then replaces the body with one that checks the
    /// payload while it is read (SHA-256, chunk signatures, trailing checksums). False when unsigned.
    /// </summary>
    private async Task<bool> AuthenticateStreamingAsync(HttpContext context, SigV4Options options, string? service, bool allowUnsignedPayload)
    {
        var request = context.Request;
        // One PUT may carry up to 5 GiB (plus its chunk framing); the handler checks the declared size.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxStreamedBodyBytes;
        }

        var declared = request.Headers[ContentSha256Header].FirstOrDefault();
        if (declared is null && request.Headers.Authorization.Count > 0)
        {
            // Clients outside S3's own (curl's --aws-sigv4) sign the body's hash without sending it: an empty body's
            // is known; a small body is hashed as the native API always does; larger ones must declare theirs.
            declared = options.NormalizePath
                ? await HashBodyAsync(request, context.RequestAborted)
                : throw new ApiException(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        }

        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest(request.Method, RawTarget(context), Headers(request)), options,
            declared ?? SigV4Verifier.UnsignedPayload);
        if (Check(parsed, options, service) is not { } signature)
        {
            return false;
        }

        // UNSIGNED-PAYLOAD and the unsigned trailer leave the body out of the signature: S3's objects only, as on AWS.
        if (!allowUnsignedPayload && PayloadStreams.IsUnsigned(signature.PayloadHash))
        {
            throw new ApiException(400, "InvalidArgument", $"x-amz-content-sha256 {signature.PayloadHash} is accepted by S3 only; sign the body's SHA-256 or stream it signed.");
        }

        var caller = await AuthenticateAsync(context, signature);
        var body = PayloadStreams.Open(request.Body, signature, caller.SigningKey, () => Trailer(context));
        request.Body = body;
        return true;
    }

    /// <summary>What x-amz-trailer announces, kept as a feature of the request for whoever stores the body (and its checksum).</summary>
    private static PayloadTrailer Trailer(HttpContext context)
    {
        var trailer = PayloadTrailer.Parse(context.Request.Headers["x-amz-trailer"].ToString());
        context.Features.Set(trailer);
        return trailer;
    }

    /// <summary>The parsed signature, its region and time checked; null when the request carries none.</summary>
    private SigV4ParsedRequest? Check(SigV4ParseResult parsed, SigV4Options options, string? service)
    {
        if (parsed.Error is { } parseError)
        {
            throw new ApiException(parseError.HttpStatus, parseError.Code, parseError.Message);
        }

        if (parsed.Request is not { } signature)
        {
            return null;
        }

        if (signature.Scope.Region != platform.Value.Region)
        {
            throw new ApiException(400, "AuthorizationHeaderMalformed",
                $"The authorization header is malformed; the region '{signature.Scope.Region}' is wrong; expecting '{platform.Value.Region}'");
        }

        if (service is not null && signature.Scope.Service != service)
        {
            // AWS's wording: S3 names both services in its malformed-credential error, the query services ask for the right scope.
            throw options.NormalizePath
                ? new ApiException(403, "SignatureDoesNotMatch", $"Credential should be scoped to correct service: '{service}'.")
                : signature.Form == SigV4Form.Header
                    ? new ApiException(400, "AuthorizationHeaderMalformed", $"The authorization header is malformed; incorrect service \"{signature.Scope.Service}\". This endpoint belongs to \"{service}\".")
                    : new ApiException(400, "AuthorizationQueryParametersError", $"Error parsing the X-Amz-Credential parameter; incorrect service \"{signature.Scope.Service}\". This endpoint belongs to \"{service}\".");
        }

        if (SigV4Verifier.CheckTime(signature, clock.GetUtcNow(), options) is { } timeError)
        {
            throw new ApiException(timeError.HttpStatus, timeError.Code, timeError.Message);
        }

        return signature;
    }

    private static async Task<AuthenticatedCaller> AuthenticateAsync(HttpContext context, SigV4ParsedRequest signature)
    {
        var sender = context.RequestServices.GetRequiredService<ISender>();
        var caller = await sender.Send(new AuthenticateRequest(signature), context.RequestAborted);
        context.RequestServices.GetRequiredService<CallerContext>().Authenticate(caller.Identity, new Dictionary<string, string>
        {
            ["aws:SourceIp"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            ["aws:SecureTransport"] = context.Request.IsHttps ? "true" : "false",
        });
        return caller;
    }

    /// <summary>The target as it came over the wire; servers that do not keep it (the test server) give it back re-escaped.</summary>
    private static string RawTarget(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : context.Request.PathBase.ToUriComponent() + context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();

    private static List<KeyValuePair<string, string>> Headers(HttpRequest request)
    {
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value ?? ""));
            }
        }

        return headers;
    }

    /// <summary>The hex SHA-256 of the body, which stays readable for the endpoint.</summary>
    private static async Task<string> HashBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
        {
            return EmptyBodyHash;
        }

        if (request.ContentLength > MaxHashedBodyBytes)
        {
            throw new ApiException(413, "RequestEntityTooLarge", $"The request body must not exceed {MaxHashedBodyBytes} bytes.");
        }

        request.EnableBuffering(bufferThreshold: MaxHashedBodyBytes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            // Chunked bodies declare no length: they are refused once they pass the limit.
            if ((total += read) > MaxHashedBodyBytes)
            {
                throw new ApiException(413, "RequestEntityTooLarge", $"The request body must not exceed {MaxHashedBodyBytes} bytes.");
            }

            sha.AppendData(buffer, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static readonly string EmptyBodyHash = Convert.ToHexStringLower(SHA256.HashData([]));
}
