/*
 * The compiled-in fallback list: Kineto's known-failing profiler tests,
 * used when no source can be had (see --fallback).  One pytest node id per
 * line, relative to the PyTorch checkout where pytest runs.  Keep it short
 * and current: every run checks it against the test tree and reports stale
 * lines with their corrected node ids.
 */
#ifndef FALLBACK_H
#define FALLBACK_H

static const char *const fallback_list[] = {
	"test/profiler/test_memory_profiler.py::TestDataFlow::test_data_flow_graph_complicated",
	"test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_sequential_fwd_bwd",
	"test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_simple_fwd_bwd",
	"test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_simple_fwd_bwd_step",
	"test/profiler/test_profiler.py::TestProfiler::test_kineto",
	"test/profiler/test_profiler.py::TestProfiler::test_user_annotation",
	"test/profiler/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize",
	"test/profiler/test_profiler.py::TestExperimentalUtils::test_profiler_debug_autotuner",
	"test/profiler/test_torch_tidy.py::TestTorchTidyProfiler::test_tensorimpl_invalidation_scalar_args",
	NULL
};

#endif
