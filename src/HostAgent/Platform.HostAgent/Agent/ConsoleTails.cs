using System.Text;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Agent;

/// <summary>
/// Adds each guest's console tail to the report when the console file changed since it was last sent,
/// so the API can answer GetConsoleOutput for guests on any server without reaching into it.
/// </summary>
internal sealed class ConsoleTails(string? directory)
{
    private Dictionary<string, (long Length, DateTime Written)> _sent = new(StringComparer.Ordinal);

    public HostReport Attach(HostReport report)
    {
        if (directory is null)
        {
            return report;
        }

        var instances = report.Instances.Select(instance =>
        {
            var file = new FileInfo(Path.Combine(directory, $"{instance.InstanceId}.log"));
            if (!file.Exists || (_sent.TryGetValue(instance.InstanceId, out var sent) && sent == (file.Length, file.LastWriteTimeUtc)))
            {
                return instance;
            }

            _sent[instance.InstanceId] = (file.Length, file.LastWriteTimeUtc);
            return instance with { ConsoleOutput = Tail(file) };
        }).ToList();
        return report with { Instances = instances };
    }

    /// <summary>After a report was lost, every console is sent again with the next one.</summary>
    public void Forget() => _sent = new(StringComparer.Ordinal);

    private static string Tail(FileInfo file)
    {
        // QEMU keeps writing the file: share it, and read only its end.
        using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = (int)Math.Min(stream.Length, InstanceReport.MaxConsoleBytes);
        stream.Seek(-length, SeekOrigin.End);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
