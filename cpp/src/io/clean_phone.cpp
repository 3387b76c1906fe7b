// Phone numbers through libphonenumber (see crmkit/io/clean.hpp).
#include <phonenumbers/phonenumberutil.h>

#include "crmkit/io/clean.hpp"

namespace crmkit::io {

Cleaned<std::string> clean_phone(std::string_view raw, std::string_view region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  using R = Cleaned<std::string>;
  // NFKC first: libphonenumber reads full-width digits, but not every compatibility form people
  // paste (circled or parenthesised digits), and the problem message should quote clean text.
  auto cleaned = clean_text(raw);
  if (!cleaned) return cleaned;
  const std::string& text = *cleaned.value;
  if (text.empty()) return R::bad("a phone number must not be empty");
  // GetInstance() is a thread-safe singleton; its metadata loads once per process.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  const auto parsed = util.Parse(text, std::string(region), &number);
  switch (parsed) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return R::bad("'" + text + "' has no valid country code (and region '" + std::string(region) +
                    "' does not apply)");
    case PhoneNumberUtil::TOO_SHORT_NSN:
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
      return R::bad("'" + text + "' is too short to be a phone number");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return R::bad("'" + text + "' is too long to be a phone number");
    default:
      return R::bad("'" + text + "' is not a phone number");
  }
  if (!util.IsValidNumber(number)) {
    std::string of;
    util.GetRegionCodeForNumber(number, &of);
    if (of.empty() || of == "ZZ") of = std::string(region);
    return R::bad("'" + text + "' is not a valid phone number of " + of);
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return R::ok(e164);
}

}  // namespace crmkit::io
