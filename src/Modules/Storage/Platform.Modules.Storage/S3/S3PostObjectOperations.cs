using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>
/// PostObject: a browser's form upload (<c>POST /bucket</c>, multipart/form-data), as the SDKs' presigned POST builds it. The
/// fields before the file are read (20 KB at most, as S3), the policy's SigV4 signature is checked against the signer's key and
/// the signer becomes the caller, the policy's conditions are checked against the fields; only then does the file stream into
/// the object, through PutObject (so its authorization, ACL and object lock rules are the same), within content-length-range.
/// </summary>
internal static class S3PostObjectOperations
{
    /// <summary>S3's limit on the fields that precede the file.</summary>
    public const int MaxFieldBytes = 20 * 1024;

    private const string Algorithm = "AWS4-HMAC-SHA256";

    internal static async Task PostObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var http = request.Context.Request;
        if (!MediaTypeHeaderValue.TryParse(http.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw new Platform.Modules.Shared.Errors.ApiException(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data");
        }

        var reader = new MultipartReader(boundary, http.Body) { HeadersLengthLimit = MaxFieldBytes };
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var fieldBytes = 0;
        MultipartSection? file = null;
        string? fileName = null;
        while (await NextSectionAsync(reader, ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw S3Errors.MalformedPostRequest();
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (disposition.IsFileDisposition() || name.Equals("file", StringComparison.OrdinalIgnoreCase))
            {
                // The file is the last field S3 reads: anything after it is ignored.
                file = section;
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                break;
            }

            var value = await ReadFieldAsync(section, MaxFieldBytes - fieldBytes, ct);
            fieldBytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
            if (!fields.TryAdd(name, value))
            {
                throw S3Errors.InvalidArgument($"Bucket POST must contain exactly one field named '{name}'.");
            }
        }

        if (file is null)
        {
            throw S3Errors.InvalidArgument("POST requires exactly one file upload per request.");
        }

        if (!fields.TryGetValue("key", out var key))
        {
            throw S3Errors.InvalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
        }

        var policy = await AuthenticateAsync(request.Context, fields, ct);
        policy?.Check(fields, request.Bucket!, request.Context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);

        // ${filename} is replaced after the conditions are checked, as S3 does: a policy's "starts-with $key uploads/" allows "uploads/${filename}".
        key = key.Replace("${filename}", Path.GetFileName(fileName), StringComparison.Ordinal);
        if (key.Length == 0)
        {
            throw S3Errors.InvalidArgument("User key must have a length greater than 0.");
        }

        var range = policy?.LengthRange ?? (0, PutObject.MaxSize);
        await using var body = new RangeCheckedStream(file.Body, range.Min, Math.Min(range.Max, PutObject.MaxSize));
        var result = await sender.Send(new PutObject(request.Bucket!, key, body, null, null, Field(fields, "Content-Type"), Metadata(fields),
            Encryption(fields), Acl: Field(fields, "acl") is { } acl ? Buckets.AclRequest.FromHeaders(acl, []) : null), ct);
        await AnswerAsync(request, fields, key, result);
    }

    /// <summary>The next part of the form; a body that is not multipart as its boundary says (cut short, lines too long) is MalformedPOSTRequest.</summary>
    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            throw S3Errors.MalformedPostRequest();
        }
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, int room, CancellationToken ct)
    {
        var buffer = new byte[Math.Max(room, 0) + 1];
        var total = 0;
        int read;
        while ((read = await ReadFieldPartAsync(section.Body, buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
            if (total > room)
            {
                throw new Platform.Modules.Shared.Errors.ApiException(400, "MaxPostPreDataLengthExceeded",
                    "Your POST request fields preceeding the upload file was too large.");
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>A field's bytes: a form cut short within its fields is not a form.</summary>
    private static async ValueTask<int> ReadFieldPartAsync(Stream part, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            return await part.ReadAsync(buffer, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            throw S3Errors.MalformedPostRequest();
        }
    }

    /// <summary>A read of one part's bytes; a body that ends before the part's boundary is IncompleteBody, not a server error.</summary>
    private static async ValueTask<int> ReadPartAsync(Stream part, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            return await part.ReadAsync(buffer, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            throw S3Errors.IncompleteBody();
        }
    }

    /// <summary>
    /// The policy's SigV4 signature (x-amz-algorithm, -credential, -date, -signature; HMAC of the policy's base64 text with the
    /// signer's key for the credential's scope), checked by IAM; the signer becomes the request's caller. Null without a policy:
    /// an anonymous upload, which only a bucket policy or ACL granting everyone s3:PutObject lets in.
    /// </summary>
    private static async Task<PostPolicy?> AuthenticateAsync(HttpContext context, Dictionary<string, string> fields, CancellationToken ct)
    {
        if (fields.ContainsKey("AWSAccessKeyId") || fields.ContainsKey("signature"))
        {
            // Signature Version 2 forms: not built.
            throw S3Errors.NotImplemented();
        }

        if (!fields.TryGetValue("policy", out var text))
        {
            if (fields.Keys.Any(f => f.StartsWith("x-amz-signature", StringComparison.OrdinalIgnoreCase) || f.Equals("x-amz-credential", StringComparison.OrdinalIgnoreCase)))
            {
                throw S3Errors.InvalidArgument("Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.");
            }

            return null;
        }

        foreach (var required in new[] { "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature" })
        {
            if (!fields.ContainsKey(required))
            {
                throw S3Errors.InvalidArgument($"Bucket POST must contain a field named '{required}'.  If it is specified, please check the order of the fields.");
            }
        }

        if (fields["x-amz-algorithm"] != Algorithm)
        {
            throw S3Errors.InvalidArgument($"Only {Algorithm} is supported for x-amz-algorithm.");
        }

        var credential = fields["x-amz-credential"].Split('/');
        if (credential.Length != 5 || credential[4] != "aws4_request")
        {
            throw S3Errors.InvalidArgument("Invalid credential in the POST form: expected <access key>/<date>/<region>/s3/aws4_request.");
        }

        var region = context.RequestServices.GetRequiredService<IOptions<PlatformOptions>>().Value.Region;
        if (credential[2] != region || credential[3] != "s3")
        {
            throw S3Errors.InvalidArgument($"Invalid credential scope in the POST form: expecting '{region}' and 's3'.");
        }

        if (!DateTimeOffset.TryParseExact(fields["x-amz-date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                out var signedAt) || signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture) != credential[1])
        {
            throw S3Errors.InvalidArgument("Invalid x-amz-date in the POST form: expected yyyyMMddTHHmmssZ of the credential's date.");
        }

        // The policy is parsed only once its signature holds: an unsigned document is not worth reading.
        var signature = new SigV4ParsedRequest
        {
            Form = SigV4Form.Query,
            AccessKeyId = credential[0],
            Scope = new SigV4Scope(credential[1], credential[2], credential[3]),
            RequestTime = signedAt,
            SignedHeaders = [],
            Signature = fields["x-amz-signature"].Trim().ToLowerInvariant(),
            PayloadHash = SigV4Verifier.UnsignedPayload,
            SessionToken = fields.GetValueOrDefault("x-amz-security-token"),
            CanonicalRequest = "",
            StringToSign = text,
        };
        var callers = context.RequestServices.GetRequiredService<CallerContext>();
        if (callers.IsAuthenticated)
        {
            throw S3Errors.InvalidRequest("A POST form is signed by its policy: the request must carry no other signature.");
        }

        var sender = context.RequestServices.GetRequiredService<ISender>();
        var caller = await sender.Send(new AuthenticateRequest(signature), ct);
        callers.Authenticate(caller.Identity, new Dictionary<string, string>
        {
            ["aws:SourceIp"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            ["aws:SecureTransport"] = context.Request.IsHttps ? "true" : "false",
        });
        return PostPolicy.Parse(text);
    }

    private static string? Field(Dictionary<string, string> fields, string name) => fields.TryGetValue(name, out var value) ? value : null;

    /// <summary>The fields kept with the object as PutObject keeps the same headers: x-amz-meta-* and the representation headers.</summary>
    private static Dictionary<string, string> Metadata(Dictionary<string, string> fields)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            var lower = name.ToLowerInvariant();
            if (lower.StartsWith("x-amz-meta-", StringComparison.Ordinal) || S3Request.StoredHeaders.Contains(lower))
            {
                metadata[lower] = value;
            }
        }

        return metadata;
    }

    private static bool Encryption(Dictionary<string, string> fields) => Field(fields, "x-amz-server-side-encryption") switch
    {
        null => false,
        "AES256" => true,
        _ => throw S3Errors.InvalidArgument("The encryption method specified is not supported"),
    };

    /// <summary>
    /// success_action_redirect (or redirect): 303 to it with bucket, key and etag added; otherwise success_action_status 200, 201
    /// (with the PostResponse document) or 204, the default for anything else, as S3 answers.
    /// </summary>
    private static async Task AnswerAsync(S3Request request, Dictionary<string, string> fields, string key, PutObjectResult result)
    {
        var response = request.Context.Response;
        response.Headers.ETag = result.ETag;
        S3Response.WriteVersionId(response, result.VersionId);
        if (result.Encrypted)
        {
            response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        var location = $"{request.Context.Request.Scheme}://{request.Context.Request.Host}/{request.Bucket}/{Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal)}";
        var redirect = Field(fields, "success_action_redirect") ?? Field(fields, "redirect");
        if (redirect is not null && Uri.TryCreate(redirect, UriKind.Absolute, out var target) && target.Scheme is "http" or "https")
        {
            var query = $"bucket={Uri.EscapeDataString(request.Bucket!)}&key={Uri.EscapeDataString(key)}&etag={Uri.EscapeDataString(result.ETag)}";
            response.Headers.Location = target.AbsoluteUri + (string.IsNullOrEmpty(target.Query) ? "?" : "&") + query;
            response.StatusCode = 303;
            return;
        }

        response.Headers.Location = location;
        switch (Field(fields, "success_action_status"))
        {
            case "200":
                response.StatusCode = 200;
                break;
            case "201":
                var document = S3Xml.Document(w =>
                {
                    w.WriteStartElement("PostResponse");
                    w.WriteElementString("Location", location);
                    w.WriteElementString("Bucket", request.Bucket);
                    w.WriteElementString("Key", key);
                    w.WriteElementString("ETag", result.ETag);
                    w.WriteEndElement();
                });
                response.StatusCode = 201;
                response.ContentType = "application/xml";
                response.ContentLength = document.Length;
                await response.Body.WriteAsync(document, request.Context.RequestAborted);
                break;
            default:
                response.StatusCode = 204;
                break;
        }
    }

    /// <summary>
    /// The file's bytes, held to the policy's content-length-range while they stream: past the maximum EntityTooLarge at once,
    /// short of the minimum EntityTooSmall at the end, so the blob is discarded and nothing is stored.
    /// </summary>
    private sealed class RangeCheckedStream(Stream inner, long min, long max) : Platform.Modules.Shared.Payloads.ReadOnlyStream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await ReadPartAsync(inner, buffer, cancellationToken), buffer.Length);

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer), buffer.Length);

        private int Counted(int read, int asked)
        {
            _read += read;
            if (_read > max)
            {
                throw S3Errors.EntityTooLarge();
            }

            if (read == 0 && asked > 0 && _read < min)
            {
                throw S3Errors.EntityTooSmall();
            }

            return read;
        }
    }
}
