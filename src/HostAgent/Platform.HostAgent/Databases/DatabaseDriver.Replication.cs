using Microsoft.Extensions.Logging;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Databases;

/// <summary>
/// Multi-AZ (<see cref="DesiredDatabase.Replication"/>): each guest of the pair is driven on its own server by its own
/// agent, from the desired state alone; the API decides who is the primary (and raises the term at a failover). A standby
/// is made from its primary before anything else is asked of it, takes the desired settings after (its roles come with the
/// primary's WAL), and has no backups of its own; a primary whose guest is still a standby is promoted first, then given
/// its synchronous standby.
/// </summary>
public sealed partial class DatabaseDriver
{
    private sealed partial class Worker
    {
        /// <summary>The primary request the guest took last (the guest takes the same one again idempotently: a new agent sends it once more).</summary>
        private string? _primaryApplied;

        /// <summary>What this guest's side asks of it: a standby takes no backups (it archives nothing, and the API asks them of the primary).</summary>
        private static DesiredDatabase OwnSide(DesiredDatabase desired) =>
            desired.Replication is { Role: DatabaseReplicationRole.Standby } ? desired with { Backup = null, Operations = null } : desired;

        /// <returns>The report to give while the guest cannot go on to its configuration this round (null: it can).</returns>
        private async Task<DatabaseReport?> BecomeAsync(DatabaseChannel channel, DesiredDatabase desired, DatabaseReplication pair, DatabaseReport status,
            CancellationToken cancellationToken)
        {
            var options = _driver._options;
            var now = await ReplicationAsync(channel, cancellationToken);
            var id = channel.NextRequestId();
            if (pair.Role == DatabaseReplicationRole.Standby)
            {
                if (status.AppliedGeneration == 0 && status.State != DatabaseState.Failed && now is { Role: null, Message: null })
                {
                    // A new guest is configured first as any (its own settings, certificate and port, which it keeps), then made the standby.
                    return null;
                }

                // Asked every round: the guest answers "done" at once when it is this standby already.
                var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Standby(id, desired, pair), options.ConfigureTimeout, cancellationToken);
                var outcome = answer.Kind switch
                {
                    DatabaseAnswerKind.Ok => DatabaseChannelProtocol.StandbyResult(answer.Fields),
                    DatabaseAnswerKind.Error => new RestoreOutcome(false, answer.Fields[0]),
                    _ => null,
                };
                if (outcome is { Succeeded: true })
                {
                    return null;
                }

                if (outcome is { Error: var error } && _report?.Message?.EndsWith(error ?? "", StringComparison.Ordinal) != true)
                {
                    LogStandbyFailed(_driver._logger, _instanceId, pair.Term, error);
                }

                var replication = await ReplicationAsync(channel, cancellationToken);
                return outcome is null
                    ? status with { State = DatabaseState.Creating, Message = $"Being made the standby of {pair.PeerAddress}.", Replication = replication }
                    : answer.Kind == DatabaseAnswerKind.Error
                        ? status with { State = DatabaseState.Failed, Message = "The standby was refused: " + outcome.Error, Replication = replication }
                        : status with { State = DatabaseState.Creating, Message = "The standby could not be made yet: " + outcome.Error, Replication = replication };
            }

            if (now.Role != DatabaseReplicationRole.Standby)
            {
                return null;
            }

            // Failover: the standby becomes the primary of the new term.
            id = channel.NextRequestId();
            var promoted = await channel.RequestAsync(id, DatabaseChannelProtocol.Promote(id, pair.Term), options.ConfigureTimeout, cancellationToken);
            switch (promoted.Kind)
            {
                case DatabaseAnswerKind.Ok:
                    LogPromoted(_driver._logger, _instanceId, pair.Term);
                    return null;
                case DatabaseAnswerKind.Error:
                    LogPromoteFailed(_driver._logger, _instanceId, pair.Term, promoted.Fields[0]);
                    return status with { State = DatabaseState.Failed, Message = "The promotion was refused: " + promoted.Fields[0], Replication = now };
                default:
                    return status with { Message = "Waiting to promote the standby.", Replication = now };
            }
        }

        /// <returns>Why the guest refused to be this primary (null: it is).</returns>
        private async Task<string?> PrimaryAsync(DatabaseChannel channel, DatabaseReplication pair, CancellationToken cancellationToken)
        {
            var request = DatabaseChannelProtocol.Primary("-", pair);
            if (request == _primaryApplied)
            {
                return null;
            }

            var id = channel.NextRequestId();
            var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Primary(id, pair), _driver._options.ConfigureTimeout, cancellationToken);
            if (answer.Kind == DatabaseAnswerKind.Ok)
            {
                _primaryApplied = request;
                return null;
            }

            if (answer.Kind == DatabaseAnswerKind.Error)
            {
                LogPrimaryFailed(_driver._logger, _instanceId, pair.Term, answer.Fields[0]);
                return "The primary's replication could not be set up: " + answer.Fields[0];
            }

            return null;
        }

        private async Task<DatabaseReplicationReport> ReplicationAsync(DatabaseChannel channel, CancellationToken cancellationToken)
        {
            var id = channel.NextRequestId();
            var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Replication(id), _driver._options.StatusTimeout, cancellationToken);
            return answer.Kind == DatabaseAnswerKind.Ok
                ? DatabaseChannelProtocol.ReplicationReport(answer.Fields)
                : throw new FormatException($"The replication request was answered {answer.Kind}: {string.Join(' ', answer.Fields)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} could not be made the standby of term {Term}: {Problem}")]
    private static partial void LogStandbyFailed(ILogger logger, string instanceId, long term, string? problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} was promoted to the primary of term {Term}")]
    private static partial void LogPromoted(ILogger logger, string instanceId, long term);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} refused to be promoted to the primary of term {Term}: {Problem}")]
    private static partial void LogPromoteFailed(ILogger logger, string instanceId, long term, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} refused to be the primary of term {Term}: {Problem}")]
    private static partial void LogPrimaryFailed(ILogger logger, string instanceId, long term, string problem);
}
