using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.KeyPairs;

internal sealed record KeyPairResponse(string KeyPairId, string KeyName, string KeyType, string KeyFingerprint, string PublicKey, DateTime CreateTime)
{
    public static KeyPairResponse From(KeyPair key) => new(key.Id, key.Name, key.KeyType, key.Fingerprint, key.PublicKey, key.CreatedAt);
}

internal sealed record KeyPairsResponse(IReadOnlyList<KeyPairResponse> KeyPairs);

/// <summary>Imports the public half of a key the tenant made; launched instances receive it.</summary>
internal sealed partial record ImportKeyPair(string? KeyName, string? PublicKeyMaterial)
    : IRequest<KeyPairResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ImportKeyPair", Arns.Build("ec2", region, caller.AccountId, "key-pair/*"));

    public void Validate()
    {
        Parameter.Required(KeyName, "key_name");
        Parameter.Length(KeyName, "key_name", 1, 255);
        Parameter.Matches(KeyName, "key_name", Printable());
        Parameter.Required(PublicKeyMaterial, "public_key_material");
    }

    [GeneratedRegex(@"^[\x20-\x7E]+$")]
    internal static partial Regex Printable();
}

internal sealed class ImportKeyPairHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<ImportKeyPair, KeyPairResponse>
{
    public async ValueTask<KeyPairResponse> Handle(ImportKeyPair request, CancellationToken cancellationToken)
    {
        var key = SshPublicKey.Parse(request.PublicKeyMaterial);
        var pair = new KeyPair
        {
            Id = ResourceIds.New("key"),
            AccountId = caller.Identity.AccountId,
            Name = request.KeyName!,
            KeyType = key.KeyType,
            PublicKey = key.Line,
            Fingerprint = key.Fingerprint,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.KeyPairs.Add(pair);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw new ApiException(400, "InvalidKeyPair.Duplicate", $"The keypair '{request.KeyName}' already exists.");
        }

        return KeyPairResponse.From(pair);
    }
}

internal sealed record DescribeKeyPairs(IReadOnlyList<string> KeyNames) : IRequest<KeyPairsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("ec2:DescribeKeyPairs", "*");
}

internal sealed class DescribeKeyPairsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeKeyPairs, KeyPairsResponse>
{
    public async ValueTask<KeyPairsResponse> Handle(DescribeKeyPairs request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.KeyPairs.AsNoTracking().Where(k => k.AccountId == accountId);
        if (request.KeyNames.Count > 0)
        {
            query = query.Where(k => request.KeyNames.Contains(k.Name));
        }

        var keys = await query.OrderBy(k => k.Name).ToListAsync(cancellationToken);
        if (request.KeyNames.FirstOrDefault(n => keys.All(k => k.Name != n)) is { } missing)
        {
            throw KeyPairNotFound(missing);
        }

        return new KeyPairsResponse(keys.Select(KeyPairResponse.From).ToList());
    }

    public static ApiException KeyPairNotFound(string name) => new(400, "InvalidKeyPair.NotFound", $"The key pair '{name}' does not exist");
}

/// <summary>Deletes a key pair; instances launched with it keep the key they received. Deleting a missing key succeeds, as in EC2.</summary>
internal sealed record DeleteKeyPair(string KeyName) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteKeyPair", Arns.Build("ec2", region, caller.AccountId, "key-pair/*"));
}

internal sealed class DeleteKeyPairHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteKeyPair>
{
    public async ValueTask<Unit> Handle(DeleteKeyPair request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        await db.KeyPairs.Where(k => k.AccountId == accountId && k.Name == request.KeyName).ExecuteDeleteAsync(cancellationToken);
        return Unit.Value;
    }
}
