// The cleaning rules of crmkit/io/clean.hpp on arbitrary bytes: none may crash or throw for bad
// data (they return a problem), and their results keep their promises — clean text is valid
// UTF-8 with no outer or doubled white space and cleaning it again changes nothing; a phone is
// "+" and digits; an e-mail is lower-case and cleans to itself; a company key is a fixed point;
// similarity is in [0, 1] and 1 for a key with itself.

#include "crmkit/io/clean.hpp"
#include "fuzz_support.hpp"

using namespace crmkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string region = in.ConsumeBool() ? "CN" : in.ConsumeBytesAsString(2);
  const std::string raw = in.ConsumeRemainingBytesAsString();

  io::Cleaned<std::string> text;
  fuzz::accepted([&] { text = io::clean_text(raw); });
  if (text.value) {
    const std::string& t = *text.value;
    if (!fuzz::valid_utf8(t)) fuzz::finding("clean_text returned invalid UTF-8");
    if (!t.empty() && (t.front() == ' ' || t.back() == ' ')) fuzz::finding("clean_text left outer space");
    if (t.find("  ") != std::string::npos) fuzz::finding("clean_text left doubled space");
    io::Cleaned<std::string> twice;
    if (!fuzz::accepted([&] { twice = io::clean_text(t); }) || twice.value != text.value)
      fuzz::finding("clean_text is not idempotent on " + t);
  } else if (text.problem.empty()) {
    fuzz::finding("clean_text gave neither a value nor a problem");
  }

  io::Cleaned<std::string> phone;
  fuzz::accepted([&] { phone = io::clean_phone(raw, region); });
  if (phone.value) {
    const std::string& p = *phone.value;
    if (p.size() < 2 || p[0] != '+' || p.find_first_not_of("0123456789", 1) != std::string::npos)
      fuzz::finding("clean_phone returned a non-E.164 value: " + p);
  }

  io::Cleaned<std::string> email;
  fuzz::accepted([&] { email = io::clean_email(raw); });
  if (email.value) {
    io::Cleaned<std::string> again;
    if (!fuzz::accepted([&] { again = io::clean_email(*email.value); }) || again.value != email.value)
      fuzz::finding("clean_email is not idempotent on " + *email.value);
  }

  fuzz::accepted([&] { (void)io::clean_date(raw); });
  fuzz::accepted([&] { (void)io::clean_amount(raw); });

  std::string key;
  if (fuzz::accepted([&] { key = io::company_key(raw); })) {
    double self = 0;
    if (fuzz::accepted([&] { self = io::name_similarity(key, key); }) && self != 1.0 && !key.empty())
      fuzz::finding("a key is not fully similar to itself: " + key);
    double s = 0;
    if (fuzz::accepted([&] { s = io::name_similarity(key, raw); }) && !(s >= 0.0 && s <= 1.0))
      fuzz::finding("similarity outside [0, 1]");
  }
  return 0;
}
