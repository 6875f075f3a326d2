using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.ServiceCredentials;

internal static class ServiceUsers
{
    /// <summary>The one inline policy of a service user: all it may do.</summary>
    public const string PolicyName = "platform-service";

    public static async Task<string> ManagementAccountAsync(IamDbContext db, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().Where(a => a.IsManagement).Select(a => a.Id).SingleOrDefaultAsync(cancellationToken)
        ?? throw new InvalidOperationException("There is no management account yet.");

    public static async Task<User?> FindAsync(IamDbContext db, string accountId, string userName, CancellationToken cancellationToken)
    {
        var normalized = userName.ToLowerInvariant();
        return await db.Users.SingleOrDefaultAsync(u => u.AccountId == accountId && u.NormalizedName == normalized, cancellationToken);
    }
}

internal sealed class DescribeManagementAccountHandler(IamDbContext db) : IRequestHandler<DescribeManagementAccount, string>
{
    public async ValueTask<string> Handle(DescribeManagementAccount request, CancellationToken cancellationToken) =>
        await ServiceUsers.ManagementAccountAsync(db, cancellationToken);
}

internal sealed class IssueServiceAccessKeyHandler(IamDbContext db, ISecretProtector protector, PolicyCache policies) : IRequestHandler<IssueServiceAccessKey, ServiceAccessKey>
{
    public async ValueTask<ServiceAccessKey> Handle(IssueServiceAccessKey request, CancellationToken cancellationToken)
    {
        IamNames.NewUser(request.UserName, "userName");
        // The module's own document: a grammar error here is the platform's bug, not the caller's input.
        PolicyDocument.Parse(request.PolicyDocument, PolicyKind.Identity, int.MaxValue);
        var accountId = await ServiceUsers.ManagementAccountAsync(db, cancellationToken);
        var user = await ServiceUsers.FindAsync(db, accountId, request.UserName, cancellationToken);
        if (user is null)
        {
            user = new User
            {
                Id = ResourceIds.NewIamId("AIDA"),
                AccountId = accountId,
                UserName = request.UserName,
                NormalizedName = request.UserName.ToLowerInvariant(),
                Path = "/",
                CreatedAt = DateTime.UtcNow,
            };
            db.Users.Add(user);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Made by a racing caller meanwhile: use theirs.
                db.ChangeTracker.Clear();
                user = await ServiceUsers.FindAsync(db, accountId, request.UserName, cancellationToken) ?? throw new InvalidOperationException($"Service user {request.UserName} could not be made.");
            }
        }

        var policy = await db.InlinePolicies.SingleOrDefaultAsync(p => p.UserId == user.Id && p.NormalizedName == ServiceUsers.PolicyName, cancellationToken);
        if (policy is null)
        {
            db.InlinePolicies.Add(new InlinePolicy { AccountId = accountId, UserId = user.Id, PolicyName = ServiceUsers.PolicyName, NormalizedName = ServiceUsers.PolicyName, Document = request.PolicyDocument });
        }
        else
        {
            policy.Document = request.PolicyDocument;
        }

        var keys = await db.AccessKeys.Where(k => k.AccountId == accountId && k.UserId == user.Id).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(cancellationToken);
        db.AccessKeys.RemoveRange(keys.Take(Math.Max(0, keys.Count - (CreateAccessKey.MaxKeysPerPrincipal - 1))));
        var (key, secret) = CreateAccessKeyHandler.NewAccessKey(protector, accountId, user.Id);
        db.AccessKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return new ServiceAccessKey(key.Id, secret);
    }
}

internal sealed class DeleteServiceAccessKeyHandler(IamDbContext db) : IRequestHandler<DeleteServiceAccessKey, Unit>
{
    public async ValueTask<Unit> Handle(DeleteServiceAccessKey request, CancellationToken cancellationToken)
    {
        var accountId = await ServiceUsers.ManagementAccountAsync(db, cancellationToken);
        if (await ServiceUsers.FindAsync(db, accountId, request.UserName, cancellationToken) is { } user)
        {
            await db.AccessKeys.Where(k => k.AccountId == accountId && k.UserId == user.Id && k.Id == request.AccessKeyId).ExecuteDeleteAsync(cancellationToken);
        }

        return Unit.Value;
    }
}

internal sealed class DeleteServiceUserHandler(IamDbContext db, PolicyCache policies) : IRequestHandler<DeleteServiceUser, Unit>
{
    public async ValueTask<Unit> Handle(DeleteServiceUser request, CancellationToken cancellationToken)
    {
        var accountId = await ServiceUsers.ManagementAccountAsync(db, cancellationToken);
        if (await ServiceUsers.FindAsync(db, accountId, request.UserName, cancellationToken) is not { } user)
        {
            return Unit.Value;
        }

        await db.AccessKeys.Where(k => k.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        await db.InlinePolicies.Where(p => p.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        await db.UserPolicyAttachments.Where(a => a.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        await db.Users.Where(u => u.Id == user.Id).ExecuteDeleteAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}
