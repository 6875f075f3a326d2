using System.Runtime.InteropServices;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virErrorNumber values the agent acts on.</summary>
public enum LibvirtErrorCode
{
    InternalError = 1,
    NoConnect = 5,
    InvalidArgument = 8,
    OperationFailed = 9,
    XmlError = 27,
    DomainExists = 28,
    XmlDetail = 35,
    NoDomain = 42,
    NoStoragePool = 49,
    NoStorageVolume = 50,
    OperationInvalid = 55,
    NoSecret = 66,
    NoDomainMetadata = 80,
}

/// <summary>A failed libvirt call, with libvirt's own error code and message.</summary>
public sealed class LibvirtException(int code, int domain, string message) : Exception(message)
{
    public int Code { get; } = code;

    /// <summary>The part of libvirt that raised it (virErrorDomain).</summary>
    public int ErrorDomain { get; } = domain;

    public bool Is(LibvirtErrorCode code) => Code == (int)code;

    /// <summary>
    /// QEMU gave up formatting a LUKS image because it timed PBKDF2 on the thread's CPU clock and a round read 0 ms
    /// ("Unable to get accurate CPU usage"): Debian 12's QEMU 7.2 does so now and then on a busy machine (tick-based CPU
    /// accounting). Nothing was made when it says so; the same call may be tried again.
    /// </summary>
    internal bool IsCpuClockTooCoarse => Message.Contains("Unable to get accurate CPU usage", StringComparison.Ordinal);

    /// <summary>How often a call that formats a LUKS image is tried when <see cref="IsCpuClockTooCoarse"/>.</summary>
    internal const int LuksFormatAttempts = 6;

    /// <summary>
    /// Reads the calling thread's last libvirt error. Call it on the same thread, right after the call
    /// that failed: libvirt keeps one error per thread and the next call resets it.
    /// </summary>
    /// <summary>libvirt's rule for int results: -1 (any negative) means failed, and the error is waiting.</summary>
    internal static void ThrowIfFailed(int result, string operation)
    {
        if (result < 0)
        {
            throw FromLastError(operation);
        }
    }

    internal static unsafe LibvirtException FromLastError(string operation)
    {
        var error = NativeMethods.GetLastError();
        if (error is null)
        {
            return new LibvirtException(0, 0, $"{operation} failed without an error from libvirt");
        }

        var message = Marshal.PtrToStringUTF8((nint)error->Message) ?? "unknown error";
        return new LibvirtException(error->Code, error->Domain, $"{operation}: {message}");
    }
}
