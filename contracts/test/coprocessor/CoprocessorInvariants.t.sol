// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {CoprocessorCoordinator} from "../../src/coprocessor/CoprocessorCoordinator.sol";
import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";
import {CoprocessorFixture} from "./CoprocessorFixture.sol";

/// @notice Drives random deposits, requests (none / redundant), deliveries (agreeing or not),
///         refunds and withdrawals, tracking what went in and what went out.
contract CoprocessorHandler is Test {
    CoprocessorCoordinator internal coordinator;
    NoosToken internal token;
    address internal admin;
    address[3] internal nodes;
    address[2] internal owners;
    ICoprocessorCoordinator.Request[] internal requests;

    uint256 public deposited;
    uint256 public escrowWithdrawn;
    uint256 public earningsWithdrawn;
    uint256 public swept;
    uint256 public delivered;
    uint256 public refunded;

    constructor(CoprocessorCoordinator c, NoosToken t, address admin_, address[3] memory nodes_) {
        coordinator = c;
        token = t;
        admin = admin_;
        nodes = nodes_;
        owners = [makeAddr("ownerA"), makeAddr("ownerB")];
    }

    function deposit(uint256 who, uint256 amount) external {
        amount = bound(amount, 1, 50 ether);
        vm.startPrank(admin);
        token.approve(address(coordinator), amount);
        coordinator.deposit(owners[who % 2], address(token), amount);
        vm.stopPrank();
        deposited += amount;
    }

    function request(uint256 who, uint256 k, uint128 cap) external {
        k = bound(k, 1, 3);
        cap = uint128(bound(cap, 1 ether, 5 ether));
        ICoprocessorCoordinator.RequestParams memory p;
        p.modelId = 1;
        p.input.values = new int256[](1);
        p.input.values[0] = int256(requests.length);
        p.verification =
            k == 1 ? ICoprocessorCoordinator.Verification.None : ICoprocessorCoordinator.Verification.Redundant;
        p.redundancy = uint8(k);
        p.paymentToken = address(token);
        p.feeCap = cap;
        p.deadline = uint64(block.timestamp + 1 hours);
        p.frequency = 1;
        address o = owners[who % 2];
        vm.prank(o);
        try coordinator.request(p) returns (uint256 id) {
            requests.push(
                ICoprocessorCoordinator.Request({
                    id: id,
                    owner: o,
                    modelId: 1,
                    inputHash: coordinator.inputHashOf(p.input.values),
                    verification: p.verification,
                    redundancy: p.redundancy,
                    paymentToken: address(token),
                    feeCap: cap,
                    callbackGasLimit: 0,
                    activeAt: uint64(block.timestamp),
                    period: 0,
                    frequency: 1,
                    timeout: 1 hours
                })
            );
        } catch {}
    }

    function deliver(uint256 which, uint256 node, int256 value) external {
        if (requests.length == 0) return;
        ICoprocessorCoordinator.Request memory r = requests[which % requests.length];
        ICoprocessorCoordinator.Output memory o;
        o.values = new int256[](1);
        o.values[0] = bound(value, 0, 1);
        vm.prank(nodes[node % 3]);
        try coordinator.deliver(r, 1, o, "") {
            ++delivered;
        } catch {}
    }

    function refund(uint256 which) external {
        if (requests.length == 0) return;
        try coordinator.refund(requests[which % requests.length], 1) {
            ++refunded;
        } catch {}
    }

    function warp(uint256 s) external {
        vm.warp(block.timestamp + bound(s, 1, 2 hours));
    }

    function withdrawEscrow(uint256 who, uint256 amount) external {
        address o = owners[who % 2];
        (uint256 available,) = coordinator.escrowOf(o, address(token));
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.prank(o);
        coordinator.withdrawEscrow(address(token), amount);
        escrowWithdrawn += amount;
    }

    function withdrawEarnings(uint256 node) external {
        address n = nodes[node % 3];
        vm.prank(n);
        try coordinator.withdrawEarnings(address(token)) returns (uint256 a) {
            earningsWithdrawn += a;
        } catch {}
    }

    function sweep() external {
        try coordinator.sweepFees(address(token)) returns (uint256 a) {
            swept += a;
        } catch {}
    }

    function heldBy(address a) external view returns (uint256) {
        (uint256 available, uint256 locked) = coordinator.escrowOf(a, address(token));
        return available + locked;
    }

    function owner(uint256 i) external view returns (address) {
        return owners[i];
    }

    function node(uint256 i) external view returns (address) {
        return nodes[i];
    }
}

contract CoprocessorInvariantsTest is CoprocessorFixture {
    CoprocessorHandler internal handler;
    uint256 internal baseline;

    function setUp() public override {
        super.setUp();
        // Start from a clean ledger: only the handler's owners and nodes move money.
        vm.prank(address(consumer));
        coordinator.withdrawEscrow(address(token), 1000 ether);
        vm.prank(requester);
        coordinator.withdrawEscrow(address(token), 1000 ether);
        handler = new CoprocessorHandler(coordinator, token, admin, [node1, node2, node3]);
        targetContract(address(handler));
    }

    /// @notice deposits = node payouts + protocol fees + refunds (escrow withdrawn) + held, where
    ///         node payouts = earnings withdrawn + unwithdrawn, fees = swept + accrued.
    function invariant_feesConserved() public view {
        uint256 held = handler.heldBy(handler.owner(0)) + handler.heldBy(handler.owner(1));
        uint256 earnings;
        for (uint256 i; i < 3; ++i) {
            earnings += coordinator.earningsOf(handler.node(i), address(token));
        }
        uint256 nodePayouts = earnings + handler.earningsWithdrawn();
        uint256 fees = coordinator.protocolFeesOf(address(token)) + handler.swept();
        assertEq(handler.deposited(), nodePayouts + fees + handler.escrowWithdrawn() + held, "conservation");
        assertEq(token.balanceOf(address(coordinator)), held + earnings + coordinator.protocolFeesOf(address(token)));
    }

    /// @notice No stake stays locked by the coordinator beyond the open Redundant intervals' nodes.
    function invariant_lockedStakeBounded() public view {
        for (uint256 i; i < 3; ++i) {
            assertLe(
                staking.lockedOf(handler.node(i), COPROCESSOR_ROLE), staking.stakeOf(handler.node(i), COPROCESSOR_ROLE)
            );
        }
    }
}
