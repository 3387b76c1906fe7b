// Customers::add_many through the C++ API alone: the engine's share of the bulk insert, without
// the Python conversion of the rows (for profiling: perf record -g customers_engine_bench ...).
//
//   customers_engine_bench DB_PATH ROWS   → prints {"rows": N, "seconds": S}
//
// The rows are those of bench/insert_baseline.cpp and bench/bench_customers.py.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DB_PATH ROWS\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long rows = std::stol(argv[2]);
  auto crm = crmkit::Crm::open(path);
  crmkit::schema::FieldDef region;
  region.entity = "customer";
  region.name = "region";
  region.type = crmkit::schema::FieldType::Enum;
  region.options = {"华东", "华南", "华北"};
  crm.fields().add(region);
  crmkit::schema::FieldDef employees;
  employees.entity = "customer";
  employees.name = "employees";
  employees.type = crmkit::schema::FieldType::Integer;
  employees.min = 1;
  crm.fields().add(employees);
  std::vector<std::int64_t> owners;
  for (int u = 0; u < 50; ++u)
    owners.push_back(crm.users()
                         .add({"rep" + std::to_string(u), "Rep " + std::to_string(u), "sales", std::nullopt,
                               std::nullopt, std::nullopt})
                         .id);
  static const char* industries[] = {"制造", "软件", "能源", "零售", "医疗"};
  static const char* regions[] = {"华东", "华南", "华北"};
  static const char* tags[] = {"VIP", "重点", "新客户", "老客户", "海外"};
  std::vector<crmkit::customers::CustomerInput> inputs(static_cast<std::size_t>(rows));
  for (long i = 0; i < rows; ++i) {
    auto& in = inputs[static_cast<std::size_t>(i)];
    in.attrs["name"] = "客户" + std::to_string(i) + "有限公司";
    in.attrs["industry"] = std::string(industries[i % 5]);
    in.attrs["owner"] = owners[static_cast<std::size_t>(i % 50)];
    in.tags = std::vector<std::string>{tags[i % 5], tags[(i + 1) % 5]};
    in.fields["region"] = std::string(regions[i % 3]);
    in.fields["employees"] = static_cast<std::int64_t>(10 + i % 5000);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ids = crm.customers().add_many(inputs);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"rows\": %zu, \"seconds\": %.6f}\n", ids.size(), seconds);
  return 0;
}
