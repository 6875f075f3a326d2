using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;

namespace Platform.Modules.Iam.AccessKeys;

internal sealed class FindAccessKeyAccountHandler(IamDbContext db) : IRequestHandler<FindAccessKeyAccount, string?>
{
    public async ValueTask<string?> Handle(FindAccessKeyAccount request, CancellationToken cancellationToken) =>
        await db.AccessKeys.AsNoTracking().Where(k => k.Id == request.AccessKeyId).Select(k => k.AccountId).FirstOrDefaultAsync(cancellationToken);
}
