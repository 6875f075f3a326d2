using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.KeyPairs;

/// <summary>What CreateKeyPair answers: the key pair and, this once, its private key (EC2's <c>KeyMaterial</c>).</summary>
internal sealed record CreatedKeyPairResponse(string KeyPairId, string KeyName, string KeyType, string KeyFingerprint, string KeyMaterial);

/// <summary>
/// EC2's CreateKeyPair: the platform makes an RSA 2048 key pair, keeps its public half as ImportKeyPair does, and answers the
/// private half once, PEM (PKCS#1, <c>-----BEGIN RSA PRIVATE KEY-----</c>, as EC2's), never storing or logging it. EC2's
/// fingerprint of a key it made: the SHA-1 of the private key's PKCS#8 DER. Only <c>rsa</c> and <c>pem</c>: ED25519 keys and
/// PuTTY's format are not made here (<c>InvalidParameterValue</c>; ImportKeyPair takes an ED25519 public key).
/// </summary>
internal sealed record CreateKeyPair(string? KeyName, string? KeyType, string? KeyFormat)
    : IRequest<CreatedKeyPairResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateKeyPair", Arns.Build("ec2", region, caller.AccountId, "key-pair/*"));

    public void Validate()
    {
        Parameter.Required(KeyName, "key_name");
        Parameter.Length(KeyName, "key_name", 1, 255);
        Parameter.Matches(KeyName, "key_name", ImportKeyPair.Printable());
        if (KeyType is not (null or "rsa"))
        {
            throw ApiErrors.InvalidParameterValue(KeyType == "ed25519"
                ? "The key type ed25519 is not made by this platform: create an rsa key, or import an ed25519 public key."
                : $"Value ({KeyType}) for parameter KeyType is invalid. Expecting rsa or ed25519.");
        }

        if (KeyFormat is not (null or "pem"))
        {
            throw ApiErrors.InvalidParameterValue(KeyFormat == "ppk"
                ? "The key format ppk is not made by this platform: pem only."
                : $"Value ({KeyFormat}) for parameter KeyFormat is invalid. Expecting pem or ppk.");
        }
    }
}

internal sealed class CreateKeyPairHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<CreateKeyPair, CreatedKeyPairResponse>
{
    public async ValueTask<CreatedKeyPairResponse> Handle(CreateKeyPair request, CancellationToken cancellationToken)
    {
        using var rsa = RSA.Create(2048);
        var publicKey = SshPublicKey.Parse(OpenSshLine(rsa.ExportParameters(includePrivateParameters: false)));
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        // SHA-1 names the key, as EC2's fingerprint of a key it made does; nothing relies on it resisting collisions.
#pragma warning disable CA5350
        var fingerprint = string.Join(':', SHA1.HashData(pkcs8).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5350
        CryptographicOperations.ZeroMemory(pkcs8);
        var pair = new KeyPair
        {
            Id = ResourceIds.New("key"),
            AccountId = caller.Identity.AccountId,
            Name = request.KeyName!,
            KeyType = publicKey.KeyType,
            PublicKey = publicKey.Line,
            Fingerprint = fingerprint,
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

        return new CreatedKeyPairResponse(pair.Id, pair.Name, pair.KeyType, pair.Fingerprint, rsa.ExportRSAPrivateKeyPem());
    }

    /// <summary>The OpenSSH line of an RSA public key: <c>ssh-rsa</c> and the base64 of (name, e, n) as SSH strings and mpints.</summary>
    private static string OpenSshLine(RSAParameters key)
    {
        using var blob = new MemoryStream();
        void Write(ReadOnlySpan<byte> bytes)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            blob.Write(length);
            blob.Write(bytes);
        }

        // An mpint is signed: an unsigned value whose top bit is set gets a leading zero byte.
        byte[] Mpint(byte[] unsigned) => unsigned.Length > 0 && unsigned[0] >= 0x80 ? [0, .. unsigned] : unsigned;
        Write(Encoding.ASCII.GetBytes("ssh-rsa"));
        Write(Mpint(key.Exponent!));
        Write(Mpint(key.Modulus!));
        return "ssh-rsa " + Convert.ToBase64String(blob.ToArray());
    }
}
