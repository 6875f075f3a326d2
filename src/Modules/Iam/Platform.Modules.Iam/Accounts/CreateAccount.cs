using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Accounts;

internal sealed record AccountResponse(string AccountId, string AccountName, string Arn, bool IsManagement, DateTime CreateDate);

/// <summary>A new account with its root access key; the secret appears in this response only.</summary>
internal sealed record CreatedAccountResponse(string AccountId, string AccountName, string Arn, CreatedAccessKeyResponse RootAccessKey);

internal sealed record AccountListResponse(IReadOnlyList<AccountResponse> Accounts);

/// <summary>Creates a tenant. Only principals of the management account may, as in AWS Organizations.</summary>
internal sealed record CreateAccount(string? AccountName) : IRequest<CreatedAccountResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("organizations:CreateAccount", $"arn:{Arns.Partition}:organizations::{caller.AccountId}:account/*");

    public void Validate()
    {
        IamNames.Check(AccountName, "accountName", 64);
    }
}

internal sealed class CreateAccountHandler(IamDbContext db, ICallerContext caller, ISecretProtector protector) : IRequestHandler<CreateAccount, CreatedAccountResponse>
{
    public async ValueTask<CreatedAccountResponse> Handle(CreateAccount request, CancellationToken cancellationToken)
    {
        await ManagementAccount.EnsureCallerIsInItAsync(db, caller.Identity, cancellationToken);
        try
        {
            return await AccountFactory.CreateAsync(db, protector, request.AccountName!, isManagement: false, cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Accounts.AnyAsync(a => a.Name == request.AccountName, cancellationToken))
            {
                throw ApiErrors.Conflict("DuplicateAccountException", $"An account named {request.AccountName} already exists.");
            }

            throw;
        }
    }
}

internal sealed record ListAccounts : IRequest<AccountListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("organizations:ListAccounts", $"arn:{Arns.Partition}:organizations::{caller.AccountId}:account/*");
}

internal sealed class ListAccountsHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListAccounts, AccountListResponse>
{
    public async ValueTask<AccountListResponse> Handle(ListAccounts request, CancellationToken cancellationToken)
    {
        await ManagementAccount.EnsureCallerIsInItAsync(db, caller.Identity, cancellationToken);
        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.CreatedAt).ToListAsync(cancellationToken);
        return new AccountListResponse(accounts.Select(a => new AccountResponse(a.Id, a.Name, Arns.AccountRoot(a.Id), a.IsManagement, a.CreatedAt)).ToList());
    }
}

internal static class ManagementAccount
{
    public static async Task EnsureCallerIsInItAsync(IamDbContext db, CallerIdentity caller, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == caller.AccountId && a.IsManagement, cancellationToken))
        {
            throw ApiErrors.AccessDenied("Only principals of the management account can manage accounts.");
        }
    }
}

internal static class AccountFactory
{
    /// <summary>Stores the account, its root key and the AccountCreated notification in one transaction.</summary>
    public static async Task<CreatedAccountResponse> CreateAsync(IamDbContext db, ISecretProtector protector, string name, bool isManagement, CancellationToken cancellationToken)
    {
        var account = new Account { Id = ResourceIds.NewAccountId(), Name = name, IsManagement = isManagement, CreatedAt = DateTime.UtcNow };
        var (key, secret) = CreateAccessKeyHandler.NewAccessKey(protector, account.Id, userId: null);
        db.Accounts.Add(account);
        db.AccessKeys.Add(key);
        db.AddNotification(new AccountCreated(account.Id, account.Name, account.CreatedAt));
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedAccountResponse(account.Id, account.Name, Arns.AccountRoot(account.Id),
            new CreatedAccessKeyResponse(key.Id, secret, key.Status, null, key.CreatedAt));
    }
}
