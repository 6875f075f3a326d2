namespace Platform.HostAgent.Agent;

/// <summary>
/// The agent's state directory and who may reach what in it. On a server QEMU runs as its own user (libvirt-qemu),
/// and libvirt hands it the pool's volumes and the console files by path: every directory above them must let that
/// user through. So the state directory and <c>console/</c> are 0711 (anyone may pass through to a file whose name
/// they know, no one but root may list them), while the credential (0600) and <c>images/</c> (0700: completion
/// markers, config drives being made) stay root's. The pool's own directory is libvirt's (0711 by default).
/// </summary>
public static class StateLayout
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0730: QEMU (in the directory's group, where an operator gives it to libvirt-qemu) makes sockets here; nobody else gets in.</summary>
    private const UnixFileMode SocketsForGroup = Private | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    public static string Consoles(string stateDirectory) => Path.Combine(stateDirectory, "console");

    public static string Markers(string stateDirectory) => Path.Combine(stateDirectory, "images");

    /// <summary>The host ends of database guests' management channels (unix sockets QEMU makes; only root connects to them).</summary>
    public static string Channels(string stateDirectory) => Path.Combine(stateDirectory, "channels");

    /// <summary>Creates the directories with their modes, and corrects the modes of ones made earlier (0700 before).</summary>
    public static void Prepare(string stateDirectory)
    {
        Ensure(stateDirectory, Traversable);
        Ensure(Consoles(stateDirectory), Traversable);
        Ensure(Markers(stateDirectory), Private);
        Ensure(Channels(stateDirectory), SocketsForGroup);
    }

    private static void Ensure(string path, UnixFileMode mode)
    {
        Directory.CreateDirectory(path, mode);
        if (File.GetUnixFileMode(path) != mode)
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
