namespace Platform.HostAgent.OpenVSwitch.Ovsdb;

/// <summary>An OVSDB request that failed: a JSON-RPC error, or an operation of a transaction that the server refused.</summary>
public sealed class OvsdbException : Exception
{
    public OvsdbException()
    {
    }

    public OvsdbException(string message)
        : base(message)
    {
    }

    public OvsdbException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The error string of RFC 7047 ("constraint violation", "timed out", ...), when the server gave one.</summary>
    public string? Error { get; init; }
}
