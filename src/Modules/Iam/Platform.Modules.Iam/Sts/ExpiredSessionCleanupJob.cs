using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Persistence;

namespace Platform.Modules.Iam.Sts;

/// <summary>
/// Deletes the rows of temporary credentials (AssumeRole, GetSessionToken, instance profiles' sessions) that expired more
/// than <see cref="IamOptions.ExpiredSessionRetention"/> ago. Each batch is one conditional DELETE of rows still expired as
/// of the job's clock, so a rerun, a run killed halfway or a run on another replica at the same time deletes each row once
/// and never a live session; it keeps no state of its own.
/// </summary>
internal sealed partial class ExpiredSessionCleanupJob(IamDbContext db, IOptions<IamOptions> options, TimeProvider clock,
    ILogger<ExpiredSessionCleanupJob> logger)
{
    public const string RecurringJobId = "iam-expired-sessions";

    /// <summary>Rows per DELETE: short transactions, so API requests that issue sessions are never held up for long.</summary>
    public const int BatchSize = 500;

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.ExpiredSessionRetention;
        var deleted = 0;
        while (true)
        {
            var batch = await db.SessionCredentials.AsNoTracking().Where(s => s.ExpiresAt < cutoff)
                .OrderBy(s => s.ExpiresAt).Select(s => s.AccessKeyId).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            // Conditional on the expiry again: what another run deleted first counts once, in that run.
            deleted += await db.SessionCredentials.Where(s => batch.Contains(s.AccessKeyId) && s.ExpiresAt < cutoff).ExecuteDeleteAsync(cancellationToken);
            if (batch.Count < BatchSize)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            LogDeleted(logger, deleted, cutoff);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} session credentials that expired before {Cutoff:o}")]
    private static partial void LogDeleted(ILogger logger, int count, DateTime cutoff);
}
