using Mediator;

namespace Platform.Modules.Billing.Contracts;

/// <summary>
/// Issues every account's invoice of the UTC month starting <paramref name="Month"/> (its first day) that has none yet:
/// first records the month's part of every instance still running, then writes each account's invoice with its lines in
/// one commit. Running it again, or on two replicas at once, issues nothing twice. Returns the invoices issued.
/// </summary>
public sealed record CloseMonth(DateOnly Month) : IRequest<int>;

/// <summary>
/// Records the storage held during the UTC hour before <paramref name="AsOf"/>'s hour, as GiB-seconds, from what the
/// owning module holds now: each volume, snapshot and bucket for the whole hour. Keyed by resource and hour, so running
/// it again in the same hour, or on two replicas, records nothing twice. Returns the records written.
/// </summary>
public sealed record SampleStorage(DateTime AsOf) : IRequest<int>;

/// <summary>
/// Records the running hours of what is billed by the hour (elastic IPs, NAT gateways, load balancers, DB instances by
/// class) during the UTC hour before <paramref name="AsOf"/>'s hour, in seconds: each resource from its creation (or
/// the hour's start) to its deletion (or the hour's end), as the owning module holds it now. Keyed by resource and
/// hour, so running it again, or on two replicas, records nothing twice. Returns the records written.
/// </summary>
public sealed record SampleResourceHours(DateTime AsOf) : IRequest<int>;

/// <summary>
/// Writes every cost and usage report's CSV files into its account's bucket: each closed month that has an invoice (once:
/// its costs add up to the invoice's total), and the month of <paramref name="AsOf"/> up to the start of its hour. The
/// same key and bytes for the same data, so running it again, or on two replicas, changes nothing. Returns the files written.
/// </summary>
public sealed record DeliverCostReports(DateTime AsOf) : IRequest<int>;

/// <summary>
/// Evaluates every budget for the UTC month of <paramref name="AsOf"/>: its actual spend (GetCostAndUsage's costs from the
/// month's start to <paramref name="AsOf"/>) and its forecast (that spend projected linearly to the month's end), and
/// records each notification whose threshold is exceeded, once per month: running it again, or on two replicas, records
/// nothing twice. Returns the alerts recorded.
/// </summary>
public sealed record EvaluateBudgets(DateTime AsOf) : IRequest<int>;

/// <summary>
/// Finds instance running time whose facts never arrived, both ways. Every tenant's instance Compute says has been running
/// since at least <c>Billing:ReconcileGrace</c> before <paramref name="AsOf"/> (so a fact still on its way is not overtaken)
/// without an open run here gets one from when it entered <c>running</c>, as the lost fact would have opened it; every run
/// still open here whose instance Compute says left <c>running</c> (that long before) is closed at the moment Compute
/// recorded for it, as the lost <c>stopped</c> or <c>terminated</c> fact would have closed it. Keyed as the facts' runs
/// (instance and start), so running it again, on two replicas, or the fact arriving late, counts the time once. Returns the
/// runs opened and closed.
/// </summary>
public sealed record ReconcileUsage(DateTime AsOf) : IRequest<int>;

/// <summary>
/// Finds storage hours the hourly sample never recorded (the job did not run in them, or ran before the resource was
/// seen): every volume, snapshot and bucket Storage holds now is recorded for each hour of <c>Billing:ReconcileStorageWindow</c>
/// before <paramref name="AsOf"/>'s hour from the hour it came to be held, at its size now, under the sample's own key (kind,
/// resource, hour): an hour sampled already, a second run or a second replica records nothing twice. What Storage no
/// longer holds is not recorded again. Returns the records written.
/// </summary>
public sealed record ReconcileStorage(DateTime AsOf) : IRequest<int>;
