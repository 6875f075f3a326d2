using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Dashboard;

/// <summary>The jobs dashboard's sign-in (section <c>Dashboard</c>).</summary>
internal sealed class JobsDashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>How long a session cookie lasts; the permission is checked again on every request within it.</summary>
    [Range(1, 720)]
    public int SessionMinutes { get; set; } = 15;

    /// <summary>How long the browser sign-in link that <c>POST /hangfire/sign-in</c> returns stays usable.</summary>
    [Range(1, 30)]
    public int SignInLinkMinutes { get; set; } = 2;

    /// <summary>
    /// Where the keys that seal session cookies are kept; empty: <c>{Platform:DataDirectory}/keys/dashboard</c>. API replicas
    /// behind one name must share it (a shared mount, as the data directory's keys), or a cookie works on one replica only.
    /// </summary>
    public string? KeyRingDirectory { get; set; }
}
