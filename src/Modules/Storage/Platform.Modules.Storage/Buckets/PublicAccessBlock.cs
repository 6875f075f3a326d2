using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Buckets;

/// <summary>
/// A bucket's public access block. BlockPublicPolicy refuses a public bucket policy; RestrictPublicBuckets makes a public
/// policy grant nothing to callers outside the bucket's account; BlockPublicAcls refuses public ACLs (<see cref="AclResolver"/>),
/// IgnorePublicAcls makes them grant nothing (<see cref="BucketAccess"/>).
/// </summary>
internal sealed record PublicAccessBlock(bool BlockPublicAcls, bool IgnorePublicAcls, bool BlockPublicPolicy, bool RestrictPublicBuckets)
{
    private static readonly string[] Settings = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"];

    /// <summary>PutPublicAccessBlock's body: each setting optional (false when absent), "true" or "false"; anything else MalformedXML.</summary>
    public static PublicAccessBlock Parse(XElement root)
    {
        if (root.Name.LocalName != "PublicAccessBlockConfiguration" || root.Elements().Any(e => !Settings.Contains(e.Name.LocalName, StringComparer.Ordinal))
            || Settings.Any(s => root.Children(s).Count() > 1))
        {
            throw S3Errors.MalformedXml();
        }

        bool Setting(string name) => root.Child(name)?.Trim().ToLowerInvariant() switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw S3Errors.MalformedXml(),
        };

        return new PublicAccessBlock(Setting("BlockPublicAcls"), Setting("IgnorePublicAcls"), Setting("BlockPublicPolicy"), Setting("RestrictPublicBuckets"));
    }

    public void Write(XmlWriter w)
    {
        w.WriteStartElement("PublicAccessBlockConfiguration", S3Xml.Namespace);
        w.WriteElementString("BlockPublicAcls", BlockPublicAcls ? "true" : "false");
        w.WriteElementString("IgnorePublicAcls", IgnorePublicAcls ? "true" : "false");
        w.WriteElementString("BlockPublicPolicy", BlockPublicPolicy ? "true" : "false");
        w.WriteElementString("RestrictPublicBuckets", RestrictPublicBuckets ? "true" : "false");
        w.WriteEndElement();
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static PublicAccessBlock? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<PublicAccessBlock>(json);
}

/// <summary>PutPublicAccessBlock (bucket level): s3:PutBucketPublicAccessBlock. Existing policies are left as they are, as on S3.</summary>
internal sealed record PutPublicAccessBlock(string Bucket, PublicAccessBlock Configuration) : IRequest<Unit>;

/// <summary>GetPublicAccessBlock: s3:GetBucketPublicAccessBlock; NoSuchPublicAccessBlockConfiguration when none is set.</summary>
internal sealed record GetPublicAccessBlock(string Bucket) : IRequest<PublicAccessBlock>;

/// <summary>DeletePublicAccessBlock: decided as s3:PutBucketPublicAccessBlock, as on S3.</summary>
internal sealed record DeletePublicAccessBlock(string Bucket) : IRequest<Unit>;

internal sealed class PublicAccessBlockHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutPublicAccessBlock, Unit>, IRequestHandler<GetPublicAccessBlock, PublicAccessBlock>, IRequestHandler<DeletePublicAccessBlock, Unit>
{
    public async ValueTask<Unit> Handle(PutPublicAccessBlock request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketPublicAccessBlock", BucketAccess.Arn(request.Bucket), cancellationToken);
        var json = request.Configuration.ToJson();
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.PublicAccessBlock, json), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<PublicAccessBlock> Handle(GetPublicAccessBlock request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketPublicAccessBlock", BucketAccess.Arn(request.Bucket), cancellationToken);
        return PublicAccessBlock.FromJson(bucket.PublicAccessBlock) ?? throw S3Errors.NoSuchPublicAccessBlockConfiguration();
    }

    public async ValueTask<Unit> Handle(DeletePublicAccessBlock request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketPublicAccessBlock", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.PublicAccessBlock, (string?)null), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// Whether a bucket policy is public as S3 judges it ("The meaning of public"): an Allow statement to every principal
/// ("*" or {"AWS": "*"}) that no condition ties to fixed values of a key naming who or where the caller is (aws:SourceIp
/// other than an everywhere range, aws:SourceVpc(e), aws:SourceArn, aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount,
/// aws:PrincipalArn, aws:PrincipalOrgID, aws:userid), with an operator that is not "...IfExists".
/// </summary>
internal static class PublicPolicy
{
    private static readonly HashSet<string> RestrictingKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:PrincipalAccount",
        "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:userid", "s3:DataAccessPointArn", "s3:DataAccessPointAccount",
    };

    public static bool IsPublic(string? policy)
    {
        if (policy is null)
        {
            return false;
        }

        using var document = JsonDocument.Parse(policy);
        if (!document.RootElement.TryGetProperty("Statement", out var statements))
        {
            return false;
        }

        var list = statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements];
        return list.Any(s => s.ValueKind == JsonValueKind.Object
            && s.TryGetProperty("Effect", out var effect) && effect.ValueKind == JsonValueKind.String && effect.GetString() == "Allow"
            && s.TryGetProperty("Principal", out var principal) && IsEveryone(principal)
            && !(s.TryGetProperty("Condition", out var condition) && Restricts(condition)));
    }

    private static bool IsEveryone(JsonElement principal) => principal.ValueKind switch
    {
        JsonValueKind.String => principal.GetString() == "*",
        JsonValueKind.Object => principal.TryGetProperty("AWS", out var aws) && Values(aws).Contains("*", StringComparer.Ordinal),
        _ => false,
    };

    private static bool Restricts(JsonElement condition)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var op in condition.EnumerateObject())
        {
            if (op.Name.EndsWith("IfExists", StringComparison.OrdinalIgnoreCase) || op.Name.StartsWith("StringNot", StringComparison.OrdinalIgnoreCase)
                || op.Name.StartsWith("ArnNot", StringComparison.OrdinalIgnoreCase) || op.Name.StartsWith("NotIp", StringComparison.OrdinalIgnoreCase)
                || op.Name.StartsWith("ForAnyValue", StringComparison.OrdinalIgnoreCase) || op.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var key in op.Value.EnumerateObject().Where(k => RestrictingKeys.Contains(k.Name)))
            {
                var values = Values(key.Value);
                if (values.Count > 0 && values.All(v => !v.Contains('*', StringComparison.Ordinal) && !v.Contains('?', StringComparison.Ordinal)
                    && v is not ("0.0.0.0/0" or "::/0")))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static List<string> Values(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => [.. element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)],
        _ => [],
    };
}
