using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Http;

namespace Platform.Modules.Storage.S3;

/// <summary>
/// What an S3 REST request addresses: the bucket and key from the path as sent (path style) or from the
/// host (virtual-hosted style), and the query's sub-resources.
/// </summary>
internal sealed class S3Request
{
    private readonly Dictionary<string, string> _query;

    private S3Request(HttpContext context, string? bucket, string? key, Dictionary<string, string> query)
    {
        Context = context;
        Bucket = bucket;
        Key = key;
        _query = query;
    }

    public HttpContext Context { get; }

    public string? Bucket { get; }

    /// <summary>Null or empty when the request addresses the bucket itself.</summary>
    public string? Key { get; }

    public string Method => Context.Request.Method;

    public string Resource => Bucket is null ? "/" : Key is null ? $"/{Bucket}" : $"/{Bucket}/{Key}";

    public static S3Request From(HttpContext context, S3Options options)
    {
        var hasRawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw.StartsWith('/');
        var rawTarget = hasRawTarget
            ? context.Features.Get<IHttpRequestFeature>()!.RawTarget
            : context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var wirePath = question < 0 ? rawTarget : rawTarget[..question];
        string path;
        if (!hasRawTarget)
        {
            // A host that keeps no request target (the in-memory test server) has decoded the path already.
            path = Uri.UnescapeDataString(wirePath);
        }
        else if (!StrictPercentDecoding.TryDecode(wirePath, out path) || (question >= 0 && !StrictPercentDecoding.TryDecode(rawTarget[(question + 1)..], out _)))
        {
            // A key is the path's UTF-8, decoded strictly: a bad escape kept as text would name another key (a%FF and a%25FF).
            throw S3Errors.InvalidUri();
        }

        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in SigV4Canonical.ParseQuery(question < 0 ? "" : rawTarget[(question + 1)..]))
        {
            query.TryAdd(name, value);
        }

        var host = context.Request.Host.Host;
        if (options.BaseDomain is { Length: > 0 } domain && host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))
        {
            var key = path.Length > 1 ? path[1..] : null;
            return new S3Request(context, host[..^(domain.Length + 1)].ToLowerInvariant(), key, query);
        }

        var trimmed = path.TrimStart('/');
        if (trimmed.Length == 0)
        {
            return new S3Request(context, null, null, query);
        }

        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? new S3Request(context, trimmed, null, query)
            : new S3Request(context, trimmed[..slash], slash + 1 < trimmed.Length ? trimmed[(slash + 1)..] : null, query);
    }

    public bool Has(string name) => _query.ContainsKey(name);

    /// <summary>The S3 sub-resource the query names (?policy, ?uploads, ?tagging, ...), null when none: see <see cref="S3SubResources"/>.</summary>
    public string? SubResource => S3SubResources.Of(_query.Keys);

    public string? Query(string name) => _query.TryGetValue(name, out var value) ? value : null;

    public int QueryInt(string name, int fallback)
    {
        var text = Query(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw S3Errors.InvalidArgument($"Provided {name} not an integer or within integer range");
    }

    public string? Header(string name) => Context.Request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The payload's length: aws-chunked bodies declare it apart from their encoded length.</summary>
    public long? DeclaredLength =>
        long.TryParse(Header("x-amz-decoded-content-length"), System.Globalization.CultureInfo.InvariantCulture, out var decoded)
            ? decoded
            : Context.Request.ContentLength;

    /// <summary>The headers S3 keeps with an object: x-amz-meta-* and the standard representation headers.</summary>
    public Dictionary<string, string> ObjectMetadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in Context.Request.Headers)
        {
            var lower = name.ToLowerInvariant();
            if (lower.StartsWith("x-amz-meta-", StringComparison.Ordinal) || StoredHeaders.Contains(lower))
            {
                var value = values.ToString();
                if (lower == "content-encoding")
                {
                    // aws-chunked is how the body travelled, not how the object is encoded.
                    value = string.Join(',', value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0 && v != "aws-chunked"));
                    if (value.Length == 0)
                    {
                        continue;
                    }
                }

                metadata[lower] = value;
            }
        }

        return metadata;
    }

    /// <summary>The additional checksum the body declares (x-amz-checksum-* header or trailer), S3's rules checked; null when none.</summary>
    public Objects.BodyChecksum? BodyChecksum() =>
        Objects.BodyChecksum.FromRequest(Context.Request.Headers, Context.Features.Get<Platform.Modules.Shared.Payloads.PayloadTrailer>());

    /// <summary>x-amz-tagging (PutObject, CopyObject with REPLACE, CreateMultipartUpload), S3's limits checked; null when absent.</summary>
    public IReadOnlyDictionary<string, string>? Tags() => Header("x-amz-tagging") is { } header ? Tagging.TagSet.FromHeader(header) : null;

    /// <summary>x-amz-acl or x-amz-grant-* (PutObject, CopyObject, CreateMultipartUpload, CreateBucket, Put*Acl); null when neither is sent.</summary>
    public Buckets.AclRequest? Acl() => Buckets.AclRequest.FromHeaders(Header("x-amz-acl"),
        [.. GrantHeaders.Where(g => Header(g.Header) is not null).Select(g => (g.Permission, Header(g.Header)!))]);

    private static readonly (string Header, string Permission)[] GrantHeaders =
    [
        ("x-amz-grant-full-control", "FULL_CONTROL"), ("x-amz-grant-read", "READ"), ("x-amz-grant-write", "WRITE"),
        ("x-amz-grant-read-acp", "READ_ACP"), ("x-amz-grant-write-acp", "WRITE_ACP"),
    ];

    public bool WantsEncryption => Header("x-amz-server-side-encryption") switch
    {
        null => false,
        "AES256" => true,
        _ => throw S3Errors.InvalidArgument("The encryption method specified is not supported"),
    };

    public static readonly HashSet<string> StoredHeaders = ["content-encoding", "content-disposition", "cache-control", "content-language", "expires"];
}
