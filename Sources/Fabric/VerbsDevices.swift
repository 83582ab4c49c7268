import CRDMA

/// The RDMA devices libibverbs sees, by name. Empty, not an error, on a host
/// without RDMA hardware or without the kernel modules: libibverbs then finds
/// no uverbs device and returns an empty list.
///
/// C: `ibv_get_device_list`, `ibv_get_device_name`, `ibv_free_device_list`.
public func verbsDeviceNames() -> [String] {
    var count: Int32 = 0
    guard let list = ibv_get_device_list(&count) else { return [] }
    defer { ibv_free_device_list(list) }
    return (0..<Int(count)).compactMap { index in
        list[index].flatMap { ibv_get_device_name($0) }.map { String(cString: $0) }
    }
}
