// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Test} from "forge-std/Test.sol";
import {PredictionConditionalTokens} from "../../../src/apps/prediction/PredictionConditionalTokens.sol";

contract CollateralToken is ERC20 {
    constructor() ERC20("Collateral", "COL") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

contract PredictionConditionalTokensTest is Test {
    PredictionConditionalTokens internal ct;
    CollateralToken internal col;
    address internal oracle = makeAddr("oracle");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    bytes32 internal constant QUESTION = keccak256("question");
    bytes32 internal cid;

    function setUp() public {
        ct = new PredictionConditionalTokens();
        col = new CollateralToken();
        ct.prepareCondition(oracle, QUESTION, 3);
        cid = ct.getConditionId(oracle, QUESTION, 3);
        address[2] memory people = [alice, bob];
        for (uint256 i; i < 2; ++i) {
            col.mint(people[i], 1000 ether);
            vm.prank(people[i]);
            col.approve(address(ct), type(uint256).max);
        }
    }

    function test_prepareCondition_recordsSlots() public view {
        assertEq(ct.getOutcomeSlotCount(cid), 3);
        assertEq(ct.payoutDenominator(cid), 0);
        assertEq(cid, keccak256(abi.encodePacked(oracle, QUESTION, uint256(3))));
    }

    function test_prepareCondition_revertsOnBadSlotCountOrTwice() public {
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionInvalidOutcomeSlotCount.selector, 1)
        );
        ct.prepareCondition(oracle, QUESTION, 1);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionInvalidOutcomeSlotCount.selector, 257)
        );
        ct.prepareCondition(oracle, QUESTION, 257);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionConditionAlreadyPrepared.selector, cid)
        );
        ct.prepareCondition(oracle, QUESTION, 3);
    }

    function test_splitAndMerge_roundTripCollateral() public {
        vm.prank(alice);
        ct.splitPosition(col, cid, 10 ether);
        for (uint256 i; i < 3; ++i) {
            assertEq(ct.balanceOf(alice, ct.getPositionId(col, cid, i)), 10 ether);
        }
        assertEq(col.balanceOf(address(ct)), 10 ether);
        vm.prank(alice);
        ct.mergePositions(col, cid, 4 ether);
        assertEq(ct.balanceOf(alice, ct.getPositionId(col, cid, 2)), 6 ether);
        assertEq(col.balanceOf(address(ct)), 6 ether);
        assertEq(col.balanceOf(alice), 994 ether);
    }

    function test_splitPosition_revertsOnZeroUnknownConditionOrNoAllowance() public {
        vm.expectRevert(abi.encodeWithSelector(PredictionConditionalTokens.PredictionZeroAmount.selector));
        vm.prank(alice);
        ct.splitPosition(col, cid, 0);
        bytes32 unknown = keccak256("nope");
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionConditionNotPrepared.selector, unknown)
        );
        vm.prank(alice);
        ct.splitPosition(col, unknown, 1 ether);
        vm.expectRevert(
            abi.encodeWithSignature(
                "ERC20InsufficientAllowance(address,uint256,uint256)", address(ct), uint256(0), uint256(1 ether)
            )
        );
        vm.prank(oracle);
        ct.splitPosition(col, cid, 1 ether);
    }

    function test_mergePositions_revertsOnZeroUnknownConditionOrIncompleteSet() public {
        vm.prank(alice);
        ct.splitPosition(col, cid, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(PredictionConditionalTokens.PredictionZeroAmount.selector));
        vm.prank(alice);
        ct.mergePositions(col, cid, 0);
        bytes32 unknown = keccak256("nope");
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionConditionNotPrepared.selector, unknown)
        );
        vm.prank(alice);
        ct.mergePositions(col, unknown, 1 ether);
        uint256 id1 = ct.getPositionId(col, cid, 1);
        vm.prank(alice);
        ct.safeTransferFrom(alice, bob, id1, 1 ether, "");
        vm.expectRevert(
            abi.encodeWithSignature(
                "ERC1155InsufficientBalance(address,uint256,uint256,uint256)", alice, 1 ether, 2 ether, id1
            )
        );
        vm.prank(alice);
        ct.mergePositions(col, cid, 2 ether);
    }

    function test_reportPayouts_onlyTheOracleAndOnce() public {
        uint256[] memory payouts = _payouts(0, 3, 1);
        bytes32 strangerCondition = ct.getConditionId(alice, QUESTION, 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionConditionalTokens.PredictionConditionNotPrepared.selector, strangerCondition
            )
        );
        vm.prank(alice);
        ct.reportPayouts(QUESTION, payouts);
        uint256[] memory two = new uint256[](2);
        two[0] = 1;
        bytes32 twoSlots = ct.getConditionId(oracle, QUESTION, 2);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionConditionNotPrepared.selector, twoSlots)
        );
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, two);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionInvalidPayouts.selector, cid, 3, 0)
        );
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, _payouts(0, 0, 0));
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, payouts);
        assertEq(ct.payoutDenominator(cid), 4);
        assertEq(ct.payoutNumerators(cid, 1), 3);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionPayoutsAlreadyReported.selector, cid)
        );
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, payouts);
    }

    function test_redeemPositions_paysTheReportedShares() public {
        vm.prank(alice);
        ct.splitPosition(col, cid, 8 ether);
        uint256 id1 = ct.getPositionId(col, cid, 1);
        vm.prank(alice);
        ct.safeTransferFrom(alice, bob, id1, 8 ether, "");
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, _payouts(0, 3, 1));
        vm.prank(bob);
        assertEq(ct.redeemPositions(col, cid), 6 ether);
        vm.prank(alice);
        assertEq(ct.redeemPositions(col, cid), 2 ether);
        assertEq(col.balanceOf(address(ct)), 0);
        vm.prank(alice);
        assertEq(ct.redeemPositions(col, cid), 0, "nothing left");
    }

    function test_redeemPositions_revertsBeforeReportOrOnUnknownCondition() public {
        vm.expectRevert(abi.encodeWithSelector(PredictionConditionalTokens.PredictionPayoutsNotReported.selector, cid));
        vm.prank(alice);
        ct.redeemPositions(col, cid);
        bytes32 unknown = keccak256("nope");
        vm.expectRevert(
            abi.encodeWithSelector(PredictionConditionalTokens.PredictionConditionNotPrepared.selector, unknown)
        );
        ct.redeemPositions(col, unknown);
    }

    /// @dev Collateral in = collateral out + held, and what is held covers every claim (rounding down).
    function testFuzz_conditionalTokens_solventAndConserved(
        uint96 a,
        uint96 b,
        uint96 merged,
        uint96 moved,
        uint8 p0,
        uint8 p1,
        uint8 p2
    ) public {
        uint256 splitA = bound(a, 1, 1000 ether);
        uint256 splitB = bound(b, 1, 1000 ether);
        vm.prank(alice);
        ct.splitPosition(col, cid, splitA);
        vm.prank(bob);
        ct.splitPosition(col, cid, splitB);
        uint256 m = bound(merged, 0, splitA);
        if (m > 0) {
            vm.prank(alice);
            ct.mergePositions(col, cid, m);
        }
        uint256 mv = bound(moved, 0, splitB);
        uint256 id0 = ct.getPositionId(col, cid, 0);
        vm.prank(bob);
        ct.safeTransferFrom(bob, alice, id0, mv, "");
        uint256[] memory payouts = _payouts(p0, p1, p2);
        if (uint256(p0) + p1 + p2 == 0) payouts[2] = 1;
        vm.prank(oracle);
        ct.reportPayouts(QUESTION, payouts);
        uint256 held = col.balanceOf(address(ct));
        assertEq(held, splitA + splitB - m, "held = in - merged");
        vm.prank(alice);
        uint256 outA = ct.redeemPositions(col, cid);
        vm.prank(bob);
        uint256 outB = ct.redeemPositions(col, cid);
        uint256 dust = col.balanceOf(address(ct));
        assertEq(outA + outB + dust, held, "conserved");
        assertLe(dust, 2, "at most a unit per redeemer");
        assertEq(col.balanceOf(alice) + col.balanceOf(bob) + dust, 2000 ether);
    }

    function _payouts(uint256 x, uint256 y, uint256 z) internal pure returns (uint256[] memory p) {
        p = new uint256[](3);
        (p[0], p[1], p[2]) = (x, y, z);
    }
}
