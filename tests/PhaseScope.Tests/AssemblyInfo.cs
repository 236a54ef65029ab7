// libtorch's global state (manual_seed, thread count) is process-wide: run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
