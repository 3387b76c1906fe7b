// What every fuzz target shares: the one rule about exceptions — the engine may refuse an input only with a
// crmkit::Error (which the bindings turn into crmkit.Error); anything else thrown out of it, and
// any crash, is a finding.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "crmkit/error.hpp"

namespace crmkit::fuzz {

// Whether `s` is well-formed UTF-8 (what every cleaned or decoded text must be).
inline bool valid_utf8(const std::string& s) {
  std::int32_t i = 0;
  const auto n = static_cast<std::int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Reports a finding and stops, so libFuzzer saves the input.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

// Runs `f`; a crmkit::Error is a legitimate refusal (returns false), any other exception a finding.
template <typename F>
bool accepted(F&& f) {
  try {
    f();
    return true;
  } catch (const crmkit::Error&) {
    return false;
  } catch (const std::exception& e) {
    finding(std::string("non-crmkit exception escaped: ") + e.what());
  }
}

}  // namespace crmkit::fuzz
