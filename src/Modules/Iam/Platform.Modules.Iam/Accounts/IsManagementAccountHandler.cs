using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;

namespace Platform.Modules.Iam.Accounts;

internal sealed class IsManagementAccountHandler(IamDbContext db) : IRequestHandler<IsManagementAccount, bool>
{
    public async ValueTask<bool> Handle(IsManagementAccount request, CancellationToken cancellationToken) =>
        await db.Accounts.AnyAsync(a => a.Id == request.AccountId && a.IsManagement, cancellationToken);
}
