// Linked to the system's shared libstdc++ (GCC 12): needs libstdc++.so.6 and, through
// condition_variable::wait, GLIBCXX_3.4.30. The ELF gate must reject it, bundled or not.
#include <condition_variable>
#include <mutex>
#include <thread>

int main() {
  std::mutex mutex;
  std::condition_variable changed;
  bool ready = false;
  std::thread notifier([&] {
    {
      std::lock_guard lock(mutex);
      ready = true;
    }
    changed.notify_one();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return ready; });
  }
  notifier.join();
  return 0;
}
