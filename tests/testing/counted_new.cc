#include "testing/counted_new.h"

#include <cstdlib>
#include <new>

namespace lscb::testing {
namespace {

thread_local bool t_counting = false;
thread_local uint64_t t_allocations = 0;
void (*g_hook)(std::size_t) = nullptr;

void Count(std::size_t n) {
  if (!t_counting) return;
  ++t_allocations;
  if (g_hook) {
    t_counting = false;
    g_hook(n);
    t_counting = true;
  }
}

}  // namespace

void CountAllocations(bool on) { t_counting = on; }
uint64_t AllocationsCounted() { return t_allocations; }
void SetAllocationHook(void (*hook)(std::size_t)) { g_hook = hook; }

}  // namespace lscb::testing

namespace {

void* Allocate(std::size_t n) {
  lscb::testing::Count(n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* AllocateAligned(std::size_t n, std::align_val_t a) {
  lscb::testing::Count(n);
  const auto align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
