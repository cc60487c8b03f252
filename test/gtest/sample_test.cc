// A small gtest binary for test/t_gtest.sh: plain, value-parametrized and
// typed tests.  The ones named "Broken" (and the parameter 2) fail on
// purpose: a run that leaves out exactly them passes.
#include <gtest/gtest.h>

TEST(ProfilerTest, Basic) { EXPECT_EQ(1 + 1, 2); }
TEST(ProfilerTest, Other) { EXPECT_TRUE(true); }
TEST(ProfilerTest, RocmOnly) { EXPECT_TRUE(true); }
TEST(ProfilerTest, Broken) { EXPECT_EQ(1 + 1, 3) << "broken upstream on purpose"; }

TEST(TraceTest, Parse) { EXPECT_STREQ("a", "a"); }
TEST(TraceTest, Broken) { FAIL() << "broken upstream on purpose"; }

// A suite whose name begins another's: excluding TraceTest.* must not
// touch it.
TEST(TraceTestExtra, Parse) { SUCCEED(); }

class ParamTest : public ::testing::TestWithParam<int> {};
TEST_P(ParamTest, Works) { EXPECT_NE(GetParam(), 2) << "parameter 2 is broken on purpose"; }
INSTANTIATE_TEST_SUITE_P(Sizes, ParamTest, ::testing::Values(1, 2, 3));

template <typename T> class TypedTest : public ::testing::Test {};
using Types = ::testing::Types<int, long>;
TYPED_TEST_SUITE(TypedTest, Types);
TYPED_TEST(TypedTest, Zero) { EXPECT_EQ(TypeParam(0), TypeParam()); }
