using MeanFieldCluster.Client;

bool interactive = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
return await Cli.RunAsync(args, Console.Out, Console.Error, interactive);
