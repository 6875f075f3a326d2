using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.HostAgent.Images;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Volumes;

namespace Platform.HostAgent.Agent;

/// <summary>The agent's side of <see cref="AgentApi"/>: every call dials out to the API.</summary>
public sealed class AgentApiClient(HttpClient http) : IImageSource, ISnapshotTransfer, IInstanceCredentialSource
{
    private HostCredential? _credential;

    public void UseCredential(HostCredential credential)
    {
        _credential = credential;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(AgentApi.AuthorizationScheme, $"{credential.HostId}:{credential.HostSecret}");
    }

    public async Task<EnrolResponse> EnrolAsync(EnrolRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(AgentApi.Enrol, request, AgentApi.Json, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<EnrolResponse>(AgentApi.Json, cancellationToken))!;
    }

    public async Task ReportAsync(HostReport report, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(AgentApi.Report, report, AgentApi.Json, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>The desired state once its version passes <paramref name="after"/>, or null when the wait ended without a change.</summary>
    public async Task<HostDesiredState?> WaitForDesiredStateAsync(long after, TimeSpan wait, CancellationToken cancellationToken)
    {
        var uri = string.Create(CultureInfo.InvariantCulture, $"{AgentApi.DesiredState}?after={after}&wait_seconds={(int)wait.TotalSeconds}");
        using var response = await http.GetAsync(uri, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return response.StatusCode == HttpStatusCode.NoContent
            ? null
            : await response.Content.ReadFromJsonAsync<HostDesiredState>(AgentApi.Json, cancellationToken);
    }

    public async Task<ImageDownload> OpenAsync(string imageId, string part, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync($"{AgentApi.Images}/{imageId}/{part}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken);
            var length = response.Content.Headers.ContentLength
                ?? throw new InvalidDataException($"The API sent image part {imageId}/{part} without a length.");
            return new ImageDownload(new ResponseStream(await response.Content.ReadAsStreamAsync(cancellationToken), response), length);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task UploadSnapshotAsync(string snapshotId, Stream content, long length, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(content, 1024 * 1024);
        body.Headers.ContentLength = length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PutAsync($"{AgentApi.Snapshots}/{snapshotId}", body, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public async Task<(Stream Content, long Length)> DownloadSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var download = await OpenAsync(snapshotId, cancellationToken);
        return (download.Content, download.Length);
    }

    private async Task<ImageDownload> OpenAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync($"{AgentApi.Snapshots}/{snapshotId}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken);
            var length = response.Content.Headers.ContentLength
                ?? throw new InvalidDataException($"The API sent snapshot {snapshotId} without a length.");
            return new ImageDownload(new ResponseStream(await response.Content.ReadAsStreamAsync(cancellationToken), response), length);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A new session of the instance's profile role (or why there is none), for an instance on this server.</summary>
    public async Task<InstanceProfileCredentials> GetInstanceCredentialsAsync(string instanceId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"{AgentApi.Instances}/{Uri.EscapeDataString(instanceId)}/iam-credentials", cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<InstanceProfileCredentials>(AgentApi.Json, cancellationToken)
            ?? throw new InvalidDataException($"The API sent no credentials for {instanceId}.");
    }

    public string? HostId => _credential?.HostId;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new AgentApiException(response.StatusCode, $"{(int)response.StatusCode} from the API: {body}");
        }
    }

    /// <summary>The response's body that also disposes the response.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

public sealed class AgentApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
