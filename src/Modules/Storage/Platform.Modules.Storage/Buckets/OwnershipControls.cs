using System.Xml;
using System.Xml.Linq;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Buckets;

/// <summary>
/// PutBucketOwnershipControls: s3:PutBucketOwnershipControls. BucketOwnerEnforced is refused while the bucket's ACL grants anyone but
/// its owner (InvalidBucketAclWithObjectOwnership), as on S3; objects' ACLs are kept but no longer count until ACLs are enabled again.
/// </summary>
internal sealed record PutBucketOwnershipControls(string Bucket, string ObjectOwnership) : IRequest<Unit>;

/// <summary>GetBucketOwnershipControls: s3:GetBucketOwnershipControls; OwnershipControlsNotFoundError once deleted.</summary>
internal sealed record GetBucketOwnershipControls(string Bucket) : IRequest<string>;

/// <summary>DeleteBucketOwnershipControls: decided as s3:PutBucketOwnershipControls; objects are then owned as under ObjectWriter.</summary>
internal sealed record DeleteBucketOwnershipControls(string Bucket) : IRequest<Unit>;

internal sealed class OwnershipControlsHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketOwnershipControls, Unit>, IRequestHandler<GetBucketOwnershipControls, string>, IRequestHandler<DeleteBucketOwnershipControls, Unit>
{
    public async ValueTask<Unit> Handle(PutBucketOwnershipControls request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutBucketOwnershipControls", BucketAccess.Arn(request.Bucket), cancellationToken);
        if (!ObjectOwnership.AclsEnabled(request.ObjectOwnership)
            && !(AccessControlList.FromJson(bucket.Acl) ?? AccessControlList.Private(bucket.AccountId)).IsBucketOwnerFullControlOnly(bucket.AccountId))
        {
            throw S3Errors.InvalidBucketAclWithObjectOwnership();
        }

        await SetAsync(bucket.Name, request.ObjectOwnership, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<string> Handle(GetBucketOwnershipControls request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketOwnershipControls", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.ObjectOwnership == ObjectOwnership.None ? throw S3Errors.OwnershipControlsNotFound() : bucket.ObjectOwnership;
    }

    public async ValueTask<Unit> Handle(DeleteBucketOwnershipControls request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutBucketOwnershipControls", BucketAccess.Arn(request.Bucket), cancellationToken);
        await SetAsync(bucket.Name, ObjectOwnership.None, cancellationToken);
        return Unit.Value;
    }

    private Task<int> SetAsync(string bucket, string ownership, CancellationToken cancellationToken) =>
        db.Buckets.Where(b => b.Name == bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.ObjectOwnership, ownership), cancellationToken);
}

/// <summary>The OwnershipControls document: one Rule with one of the three ObjectOwnership values; anything else MalformedXML.</summary>
internal static class OwnershipControlsDocument
{
    public static string Parse(XElement root)
    {
        var rules = root.Children("Rule").ToList();
        if (root.Name.LocalName != "OwnershipControls" || rules.Count != 1 || root.Elements().Count() != 1
            || rules[0].Children("ObjectOwnership").Count() != 1 || rules[0].Elements().Count() != 1)
        {
            throw S3Errors.MalformedXml();
        }

        var value = rules[0].Child("ObjectOwnership")!.Trim();
        return ObjectOwnership.IsValid(value) ? value : throw S3Errors.MalformedXml();
    }

    public static void Write(XmlWriter w, string ownership)
    {
        w.WriteStartElement("OwnershipControls", S3Xml.Namespace);
        w.WriteStartElement("Rule");
        w.WriteElementString("ObjectOwnership", ownership);
        w.WriteEndElement();
        w.WriteEndElement();
    }
}
