using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;

namespace Platform.Modules.Iam.Accounts;

internal sealed class AccountExistsHandler(IamDbContext db) : IRequestHandler<AccountExists, bool>
{
    public async ValueTask<bool> Handle(AccountExists request, CancellationToken cancellationToken) =>
        await db.Accounts.AnyAsync(a => a.Id == request.AccountId, cancellationToken);
}
