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

namespace Platform.Api.Authentication;

/// <summary>
/// Verifies the AWS SigV4 signature of every request (Authorization header or presigned query) and
/// makes the signer the request's caller. Unsigned requests are refused unless the endpoint is anonymous.
/// </summary>
internal sealed class SigV4AuthenticationMiddleware(TimeProvider clock, IOptions<PlatformOptions> platform) : IMiddleware
{
    /// <summary>Native API bodies are small JSON documents; larger ones are refused before they are hashed.</summary>
    public const int MaxHashedBodyBytes = 1 << 20;

    private const string ContentSha256Header = "x-amz-content-sha256";
    private static readonly SigV4Options NativeApi = new() { NormalizePath = true };

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<AnonymousEndpoint>() is not null || metadata?.GetMetadata<HostAuthenticatedEndpoint>() is not null)
        {
            await next(context);
            return;
        }

        var request = context.Request;
        // The target as it came over the wire; servers that do not keep it (the test server) give it back re-escaped.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value ?? ""));
            }
        }

        var streamed = metadata?.GetMetadata<StreamedBodyEndpoint>() is not null;
        var bodyHash = streamed ? DeclaredHash(request) : await HashBodyAsync(request, context.RequestAborted);
        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest(request.Method, rawTarget, headers), NativeApi, bodyHash);
        if (parsed.Error is { } parseError)
        {
            throw new ApiException(parseError.HttpStatus, parseError.Code, parseError.Message);
        }

        var signature = parsed.Request
            ?? throw new ApiException(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        if (signature.Scope.Region != platform.Value.Region)
        {
            throw new ApiException(400, "AuthorizationHeaderMalformed",
                $"The authorization header is malformed; the region '{signature.Scope.Region}' is wrong; expecting '{platform.Value.Region}'");
        }

        if (SigV4Verifier.CheckTime(signature, clock.GetUtcNow(), NativeApi) is { } timeError)
        {
            throw new ApiException(timeError.HttpStatus, timeError.Code, timeError.Message);
        }

        var declared = request.Headers[ContentSha256Header].ToString();
        if (streamed)
        {
            context.Features.Set(new DeclaredPayloadHash(declared.Length == 64 ? declared.ToLowerInvariant() : null));
        }
        else if (declared.Length == 64 && !string.Equals(declared, bodyHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var sender = context.RequestServices.GetRequiredService<ISender>();
        var caller = await sender.Send(new AuthenticateRequest(signature), context.RequestAborted);
        context.RequestServices.GetRequiredService<CallerContext>().Authenticate(caller.Identity, new Dictionary<string, string>
        {
            ["aws:SourceIp"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            ["aws:SecureTransport"] = request.IsHttps ? "true" : "false",
        });

        await next(context);
    }

    /// <summary>
    /// A streamed body is signed over the hash its sender declared; the endpoint checks the bytes against it.
    /// Only a hex SHA-256 or UNSIGNED-PAYLOAD is accepted, so an absent header cannot skip the check.
    /// </summary>
    private static string DeclaredHash(HttpRequest request)
    {
        var declared = request.Headers[ContentSha256Header].ToString();
        if (declared == UnsignedPayload || (declared.Length == 64 && declared.All(char.IsAsciiHexDigit)))
        {
            return declared;
        }

        throw new ApiException(400, "InvalidRequest",
            $"Uploads must carry the x-amz-content-sha256 header with the body's hex SHA-256 or {UnsignedPayload}.");
    }

    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";

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
