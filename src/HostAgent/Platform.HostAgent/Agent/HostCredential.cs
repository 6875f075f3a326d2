using System.Text.Json;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Agent;

/// <summary>The host's identity and secret from enrolment, kept in <c>&lt;state&gt;/credential.json</c> (mode 0600).</summary>
public sealed record HostCredential(string HostId, string HostSecret, string AvailabilityZone, string ApiUrl)
{
    public const string FileName = "credential.json";

    public static HostCredential? Load(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<HostCredential>(File.ReadAllText(path), AgentApi.Json) : null;
    }

    /// <summary>Written to a private temporary file, fsynced and renamed: a crash leaves the old credential or the new one.</summary>
    public void Save(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(file, this, AgentApi.Json);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
