using System.Text.Json;
using Mediator;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Contracts;

namespace Platform.Modules.Database.Reports;

internal sealed class DatabaseGuestReportedHandler(GuestReportRecorder recorder) : INotificationHandler<DatabaseGuestReported>
{
    public async ValueTask Handle(DatabaseGuestReported notification, CancellationToken cancellationToken)
    {
        var report = JsonSerializer.Deserialize<DatabaseReport>(notification.ReportJson, AgentApi.Json)
            ?? throw new JsonException("An empty database report.");
        await recorder.RecordAsync(notification.ResourceId, report, cancellationToken);
    }
}
