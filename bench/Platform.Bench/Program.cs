using Platform.Bench;

// bench: load generator and reference server for docs/BENCHMARKS.md (see bench/run.sh).
//   baseline-server --urls URL
//   scheduler [--hosts 1000] [--instances 10000]                              placements/s of the Compute scheduler
//   launch --url URL --access-key AK --secret-key SK --image AMI --console-dir DIR [--counts 1,10] [--rounds 3]
//                                                                              launch latency through API and HostAgent
//   s3 --endpoint URL --access-key AK --secret-key SK --disk-directory DIR [--clients 16] [--seconds 10]   S3 beside the raw disk (JSON)
//   billing --data DIR [--events 5000] [--accounts 1000] [--resources 100] [--records 10]   usage events/s and a month's close (JSON)
//   sign --url URL --access-key AK --secret-key SK [--region R] [--service S]   SigV4 headers for a GET, one per line (for wrk -H)
var options = Arguments.Parse(args.Skip(1));
return args.FirstOrDefault() switch
{
    "baseline-server" => await BaselineServer.RunAsync(options),
    "sign" => SignedHeaders.Print(options),
    "scheduler" => SchedulerBenchmark.Run(options),
    "launch" => await LaunchBenchmark.RunAsync(options),
    "s3" => await S3Benchmark.RunAsync(options),
    "billing" => await BillingBenchmark.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Platform.Bench baseline-server --urls URL | sign --url URL --access-key AK --secret-key SK");
    return 2;
}
