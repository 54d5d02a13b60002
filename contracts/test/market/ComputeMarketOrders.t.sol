// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Accounts (fund, withdraw, balanceOf), createOrder (balance first, then allowance),
///         deposit, cancelOrder.
contract ComputeMarketOrdersTest is MarketFixture {
    // ------------------------------------------------------------ fund

    function test_fund_movesWalletTokensToBalance() public {
        uint256 walletBefore = token.balanceOf(tenant);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.AccountFunded(tenant, address(token), 40 ether);
        _fundAccount(tenant, 40 ether);

        assertEq(_balanceOf(tenant), 40 ether);
        assertEq(token.balanceOf(tenant), walletBefore - 40 ether);
        assertEq(token.balanceOf(address(market)), 40 ether);

        _fundAccount(tenant, 2 ether); // adds up
        assertEq(_balanceOf(tenant), 42 ether);
        assertEq(_balanceOf(tenant2), 0, "balances are per account");
    }

    function test_fund_revertsWhenAmountZero() public {
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        vm.prank(tenant);
        market.fund(address(token), 0);
    }

    function test_fund_revertsWhenTokenNotListed() public {
        address unlisted = makeAddr("unlisted");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, unlisted));
        vm.prank(tenant);
        market.fund(unlisted, 1 ether);
    }

    function test_fund_revertsWhenTokenDelisted() public {
        vm.prank(owner);
        params.setPaymentToken(address(token), false, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, address(token)));
        vm.prank(tenant);
        market.fund(address(token), 1 ether);
    }

    function test_fund_revertsWithoutAllowance() public {
        vm.prank(tenant);
        token.approve(address(market), 1 ether - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 1 ether - 1, 1 ether
            )
        );
        vm.prank(tenant);
        market.fund(address(token), 1 ether);
    }

    // ------------------------------------------------------------ withdraw

    function test_withdraw_paysWholeBalance() public {
        _fundAccount(tenant, 40 ether);
        uint256 walletBefore = token.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.Withdrawn(tenant, address(token), 40 ether);
        vm.prank(tenant);
        uint256 amount = market.withdraw(address(token));

        assertEq(amount, 40 ether);
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(tenant), walletBefore + 40 ether);
        assertEq(token.balanceOf(address(market)), 0);
    }

    function test_withdraw_revertsWhenNothingToWithdraw() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, tenant, address(token)));
        vm.prank(tenant);
        market.withdraw(address(token));
    }

    function test_withdraw_revertsWhenAlreadyWithdrawn() public {
        _fundAccount(tenant, 1 ether);
        vm.prank(tenant);
        market.withdraw(address(token));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, tenant, address(token)));
        vm.prank(tenant);
        market.withdraw(address(token));
    }

    /// @dev Only the caller's own balance is paid: another account's balance is untouched.
    function test_withdraw_revertsForAnotherAccountsBalance() public {
        _fundAccount(tenant, 5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNothingToWithdraw.selector, stranger, address(token))
        );
        vm.prank(stranger);
        market.withdraw(address(token));
        assertEq(_balanceOf(tenant), 5 ether);
    }

    /// @dev Delisting a token stops new orders in it, never the payout of balances already held.
    function test_withdraw_paysAfterTokenDelisted() public {
        _fundAccount(tenant, 5 ether);
        vm.prank(owner);
        params.setPaymentToken(address(token), false, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        vm.prank(tenant);
        assertEq(market.withdraw(address(token)), 5 ether);
        assertEq(_balanceOf(tenant), 0);
    }

    // ------------------------------------------------------------ createOrder

    function test_createOrder_escrowsDepositAndStoresOrder() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        uint256 tenantBefore = token.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderCreated(
            1,
            tenant,
            address(token),
            MANIFEST_CID,
            MANIFEST_HASH,
            MAX_PRICE,
            DEPOSIT,
            uint64(block.timestamp + BID_WINDOW),
            0,
            p.resources,
            p.placement
        );
        vm.prank(tenant);
        uint256 orderId = market.createOrder(p);

        assertEq(orderId, 1);
        assertEq(market.orderCount(), 1);
        // No market balance: the whole deposit came from the allowance.
        assertEq(token.balanceOf(tenant), tenantBefore - DEPOSIT);
        assertEq(token.balanceOf(address(market)), DEPOSIT);

        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(o.tenant, tenant);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Open));
        assertEq(o.token, address(token));
        assertEq(o.bidDeadline, block.timestamp + BID_WINDOW);
        assertEq(o.jobTimeout, 0);
        assertEq(o.maxPricePerSecond, MAX_PRICE);
        assertEq(o.escrow, DEPOSIT);
        assertEq(o.placementHash, bytes32(0), "no placement requirement: no hash");
        assertEq(o.group, 0);
        assertEq(o.createdBlock, block.number);
        assertEq(o.bestBidder, address(0), "no bid yet");
        assertEq(o.bestPricePerSecond, 0);
    }

    /// @dev A returning tenant opens an order from its market balance: no token transfer at all.
    function test_createOrder_paysFromBalance() public {
        _fundAccount(tenant, DEPOSIT + 5 ether);
        uint256 walletBefore = token.balanceOf(tenant);
        vm.prank(tenant);
        token.approve(address(market), 0); // no allowance needed

        uint256 orderId = _openServiceOrder();

        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
        assertEq(_balanceOf(tenant), 5 ether, "the rest of the balance stays");
        assertEq(token.balanceOf(tenant), walletBefore, "nothing taken from the wallet");
        assertEq(token.balanceOf(address(market)), DEPOSIT + 5 ether);
    }

    /// @dev Balance first, the rest from the allowance.
    function test_createOrder_paysFromBalanceThenAllowance() public {
        _fundAccount(tenant, 30 ether);
        uint256 walletBefore = token.balanceOf(tenant);
        vm.prank(tenant);
        token.approve(address(market), DEPOSIT - 30 ether); // exactly the rest

        uint256 orderId = _openServiceOrder();

        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
        assertEq(_balanceOf(tenant), 0, "the balance is used up first");
        assertEq(token.balanceOf(tenant), walletBefore - (DEPOSIT - 30 ether), "only the rest transferred");
        assertEq(token.allowance(tenant, address(market)), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    /// @dev The balance does not cover the deposit and the allowance does not cover the rest: nothing
    ///      is taken, the balance is left as it was.
    function test_createOrder_revertsWhenBalancePlusAllowanceShort() public {
        _fundAccount(tenant, 30 ether);
        uint256 rest = DEPOSIT - 30 ether;
        vm.prank(tenant);
        token.approve(address(market), rest - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), rest - 1, rest)
        );
        vm.prank(tenant);
        market.createOrder(_serviceParams());
        assertEq(_balanceOf(tenant), 30 ether);
        assertEq(market.orderCount(), 0);
    }

    function test_createOrder_revertsWithoutAllowance() public {
        vm.prank(tenant);
        token.approve(address(market), DEPOSIT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(market), DEPOSIT - 1, DEPOSIT
            )
        );
        vm.prank(tenant);
        market.createOrder(_serviceParams());
    }

    function test_createOrder_numbersOrdersFromOne() public {
        assertEq(_openServiceOrder(), 1);
        assertEq(_createOrder(tenant2, _batchParams()), 2);
        assertEq(market.orderCount(), 2);
        assertEq(market.getOrder(2).tenant, tenant2);
        assertEq(market.getOrder(2).jobTimeout, JOB_TIMEOUT);
    }

    /// @dev Manifest, resources and placement are not stored: OrderCreated carries them, and the
    ///      order binds its placement by hash.
    function test_createOrder_emitsManifestResourcesAndPlacement() public {
        IComputeMarket.OrderParams memory p = _withPlacement(
            _serviceParams(),
            _attrs2("region", "eu", "gpu/*/*/model/*", "true"),
            _addresses(auditor1),
            _addresses(auditor1, auditor2)
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderCreated(
            1,
            tenant,
            address(token),
            MANIFEST_CID,
            MANIFEST_HASH,
            MAX_PRICE,
            DEPOSIT,
            uint64(block.timestamp + BID_WINDOW),
            0,
            p.resources,
            p.placement
        );
        uint256 orderId = _createOrder(tenant, p);

        assertEq(market.getOrder(orderId).placementHash, keccak256(abi.encode(p.placement)));
        assertEq(market.getOrder(orderId).createdBlock, block.number);
    }

    function test_createOrder_acceptsBoundaryValues() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        p.deposit = MIN_ORDER_DEPOSIT;
        p.bidWindow = params.minBidWindow();
        p.jobTimeout = params.maxJobTimeout();
        p.maxPricePerSecond = MIN_ORDER_DEPOSIT / p.jobTimeout; // exactly the job cost that fits
        p.placement.attributes = new IProviderRegistry.Attribute[](market.MAX_PLACEMENT_ATTRIBUTES());
        for (uint256 i; i < p.placement.attributes.length; ++i) {
            p.placement.attributes[i] = _attr(string.concat("k", vm.toString(i)), "v");
        }
        p.placement.allOf = new address[](market.MAX_PLACEMENT_AUDITORS());
        uint256 orderId = _createOrder(tenant, p);
        assertEq(market.getOrder(orderId).bidDeadline, block.timestamp + params.minBidWindow());

        p.bidWindow = params.maxBidWindow();
        orderId = _createOrder(tenant, p);
        assertEq(market.getOrder(orderId).bidDeadline, block.timestamp + params.maxBidWindow());
    }

    function test_createOrder_revertsWhenTokenNotListed() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.token = makeAddr("unlisted");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, p.token));
        vm.prank(tenant);
        market.createOrder(p);
    }

    /// @dev A balance in a token that was delisted cannot open new orders.
    function test_createOrder_revertsWhenTokenDelisted() public {
        _fundAccount(tenant, DEPOSIT);
        vm.prank(owner);
        params.setPaymentToken(address(token), false, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketTokenNotAllowed.selector, address(token)));
        vm.prank(tenant);
        market.createOrder(_serviceParams());
    }

    function test_createOrder_revertsWhenDepositBelowMinimum() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.deposit = MIN_ORDER_DEPOSIT - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketDepositTooLow.selector, p.deposit, MIN_ORDER_DEPOSIT)
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenDepositZeroEvenWithoutMinimum() public {
        vm.prank(owner);
        params.setPaymentToken(address(token), true, 0, MIN_BID_DEPOSIT);
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.deposit = 0;
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDepositTooLow.selector, 0, 0));
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenMaxPriceZero() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.maxPricePerSecond = 0;
        vm.expectRevert(IComputeMarket.MarketZeroPrice.selector);
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenManifestHashZero() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.manifestHash = bytes32(0);
        vm.expectRevert(IComputeMarket.MarketInvalidManifest.selector);
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenManifestCidEmpty() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.manifestCid = "";
        vm.expectRevert(IComputeMarket.MarketInvalidManifest.selector);
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenBidWindowTooShort() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.bidWindow = params.minBidWindow() - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketInvalidBidWindow.selector,
                p.bidWindow,
                params.minBidWindow(),
                params.maxBidWindow()
            )
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenBidWindowTooLong() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.bidWindow = params.maxBidWindow() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketInvalidBidWindow.selector,
                p.bidWindow,
                params.minBidWindow(),
                params.maxBidWindow()
            )
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenJobTimeoutTooLong() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        p.jobTimeout = params.maxJobTimeout() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketInvalidJobTimeout.selector, p.jobTimeout, params.maxJobTimeout()
            )
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenDepositBelowJobCost() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        p.deposit = MAX_PRICE * JOB_TIMEOUT - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketDepositBelowJobCost.selector, p.deposit, MAX_PRICE * JOB_TIMEOUT
            )
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    /// @dev The reported job cost saturates instead of overflowing for absurd prices.
    function testFuzz_createOrder_revertsWhenDepositBelowJobCost(uint256 maxPrice, uint32 jobTimeout, uint256 deposit)
        public
    {
        jobTimeout = uint32(bound(jobTimeout, 1, params.maxJobTimeout()));
        deposit = bound(deposit, MIN_ORDER_DEPOSIT, TENANT_FUNDS);
        maxPrice = bound(maxPrice, deposit / jobTimeout + 1, type(uint256).max);
        IComputeMarket.OrderParams memory p = _batchParams();
        p.jobTimeout = jobTimeout;
        p.deposit = deposit;
        p.maxPricePerSecond = maxPrice;
        (bool ok, uint256 cost) = _tryMul(maxPrice, jobTimeout);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketDepositBelowJobCost.selector, deposit, ok ? cost : type(uint256).max
            )
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenTooManyPlacementAttributes() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.placement.attributes = new IProviderRegistry.Attribute[](market.MAX_PLACEMENT_ATTRIBUTES() + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInvalidPlacement.selector, p.placement.attributes.length, 0)
        );
        vm.prank(tenant);
        market.createOrder(p);
    }

    function test_createOrder_revertsWhenTooManyAuditors() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.placement.allOf = new address[](5);
        p.placement.anyOf = new address[](4);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidPlacement.selector, 0, 9));
        vm.prank(tenant);
        market.createOrder(p);
    }

    /// @dev createOrder debits the balance it uses: it never counts on the same balance twice.
    function testFuzz_createOrder_balanceThenAllowance(uint256 funded, uint256 deposit) public {
        funded = bound(funded, 1, 3 * DEPOSIT);
        deposit = bound(deposit, MIN_ORDER_DEPOSIT, 3 * DEPOSIT);
        _fundAccount(tenant, funded);
        uint256 walletBefore = token.balanceOf(tenant);
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.deposit = deposit;
        uint256 orderId = _createOrder(tenant, p);
        uint256 fromBalance = funded < deposit ? funded : deposit;
        assertEq(_balanceOf(tenant), funded - fromBalance);
        assertEq(walletBefore - token.balanceOf(tenant), deposit - fromBalance);
        assertEq(market.getOrder(orderId).escrow, deposit);
        assertEq(token.balanceOf(address(market)), funded + deposit - fromBalance);
    }

    // ------------------------------------------------------------ deposit

    function test_deposit_topsUpOpenOrderFromAllowance() public {
        uint256 orderId = _openServiceOrder();
        uint256 strangerBefore = token.balanceOf(stranger);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.EscrowDeposited(orderId, stranger, 7 ether);
        vm.prank(stranger);
        market.deposit(orderId, 7 ether);

        assertEq(market.getOrder(orderId).escrow, DEPOSIT + 7 ether);
        assertEq(token.balanceOf(stranger), strangerBefore - 7 ether);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 7 ether);
    }

    /// @dev A top-up takes the caller's balance first, then the rest from its allowance.
    function test_deposit_paysFromBalanceFirst() public {
        uint256 orderId = _openServiceOrder();
        _fundAccount(tenant, 5 ether);
        uint256 walletBefore = token.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.EscrowDeposited(orderId, tenant, 3 ether);
        vm.prank(tenant);
        market.deposit(orderId, 3 ether); // all from the balance
        assertEq(_balanceOf(tenant), 2 ether);
        assertEq(token.balanceOf(tenant), walletBefore);

        vm.prank(tenant);
        market.deposit(orderId, 7 ether); // 2 from the balance, 5 from the wallet
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(tenant), walletBefore - 5 ether);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT + 10 ether);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 10 ether);
    }

    function test_deposit_revertsWhenBalancePlusAllowanceShort() public {
        uint256 orderId = _openServiceOrder();
        _fundAccount(tenant, 1 ether);
        vm.prank(tenant);
        token.approve(address(market), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 1 ether, 2 ether)
        );
        vm.prank(tenant);
        market.deposit(orderId, 3 ether);
        assertEq(_balanceOf(tenant), 1 ether);
        assertEq(market.getOrder(orderId).escrow, DEPOSIT);
    }

    function test_deposit_topUpOnServiceLeaseSettlesFirstAndExtendsIt() public {
        uint256 leaseId = _serviceLease(MAX_PRICE); // DEPOSIT lasts 100_000 s
        uint16 rate = params.takeRateBps();
        skip(60_000);

        // The top-up settles the first 60_000 s, then adds to what is left.
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, 60 ether, 40 ether);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(60 ether, rate), _fee(60 ether, rate));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.EscrowDeposited(leaseId, tenant, 50 ether);
        vm.prank(tenant);
        market.deposit(leaseId, 50 ether);

        assertEq(market.getOrder(leaseId).escrow, 90 ether);
        assertEq(market.getLease(leaseId).settledAt, START_TIME + 60_000);
        assertEq(_balanceOf(provider1), _net(60 ether, rate), "the provider's pay is credited");

        // Without the top-up the lease would have run out at 100_000 s; now it runs to 150_000 s.
        skip(89_999);
        market.settle(leaseId);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Active));
        skip(1);
        market.settle(leaseId);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(_balanceOf(provider1) + market.accruedFees(address(token)), 150 ether, "all of it paid");
        assertEq(_balanceOf(tenant), 0, "nothing left to refund");
        assertEq(token.balanceOf(address(market)), 150 ether);
    }

    function test_deposit_topsUpBatchLease() public {
        uint256 leaseId = _batchLease(MAX_PRICE);
        skip(100);
        vm.prank(stranger);
        market.deposit(leaseId, 1 ether);
        // The job price was held at the start (it stays in the escrow until the lease ends); the
        // top-up only adds to the escrow.
        assertEq(market.getLease(leaseId).held, JOB_TIMEOUT * MAX_PRICE);
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT + 1 ether);
        assertEq(_balanceOf(provider1), 0);
    }

    function test_deposit_revertsWhenAmountZero() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(IComputeMarket.MarketZeroAmount.selector);
        vm.prank(tenant);
        market.deposit(orderId, 0);
    }

    function test_deposit_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 1));
        vm.prank(tenant);
        market.deposit(1, 1 ether);
    }

    function test_deposit_revertsWhenOrderCanceled() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        vm.prank(tenant);
        market.deposit(orderId, 1 ether);
    }

    /// @dev The escrow ran out but nobody settled: the deposit settles, sees the lease is over and
    ///      reverts (a lease whose escrow ran out is not revived).
    function test_deposit_revertsWhenLeaseExhaustedButUnsettled() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        skip(DEPOSIT / MAX_PRICE + 10);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Active));

        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.InsufficientFunds
            )
        );
        vm.prank(tenant);
        market.deposit(leaseId, 10 ether);
        // Nothing changed: the lease is still unsettled.
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT);
    }

    function test_deposit_revertsWhenLeaseClosed() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        vm.prank(tenant);
        market.closeLease(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Closed
            )
        );
        vm.prank(tenant);
        market.deposit(leaseId, 1 ether);
    }

    function test_deposit_revertsWhenBatchResultSubmitted() public {
        uint256 leaseId = _batchLease(MAX_PRICE);
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        vm.prank(tenant);
        market.deposit(leaseId, 1 ether);
    }

    // ------------------------------------------------------------ cancelOrder

    function test_cancelOrder_creditsEscrowAndTopUpsToTenantBalance() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant2);
        market.deposit(orderId, 3 ether); // a top-up from someone else is refunded to the tenant
        _bid(provider1, orderId, MAX_PRICE); // a bid holds nothing: no deposit to return
        uint256 walletBefore = token.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderCanceled(orderId, tenant, DEPOSIT + 3 ether);
        vm.prank(tenant);
        market.cancelOrder(orderId);

        assertEq(_balanceOf(tenant), DEPOSIT + 3 ether, "refund credited to the tenant's balance");
        assertEq(token.balanceOf(tenant), walletBefore, "nothing pushed");
        assertEq(_balanceOf(tenant2), 0);
        assertEq(_balanceOf(provider1), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT + 3 ether);
        IComputeMarket.Order memory o = market.getOrder(orderId);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(o.escrow, 0);

        vm.prank(tenant);
        assertEq(market.withdraw(address(token)), DEPOSIT + 3 ether);
        assertEq(token.balanceOf(tenant), walletBefore + DEPOSIT + 3 ether);
        assertEq(token.balanceOf(address(market)), 0);
    }

    /// @dev The refund of a canceled order opens the tenant's next order without a transfer.
    function test_cancelOrder_refundPaysNextOrder() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(orderId);
        uint256 walletBefore = token.balanceOf(tenant);
        uint256 next = _openBatchOrder();
        assertEq(market.getOrder(next).escrow, DEPOSIT);
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(tenant), walletBefore);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_cancelOrder_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 9));
        vm.prank(tenant);
        market.cancelOrder(9);
    }

    function test_cancelOrder_revertsWhenNotTenant() public {
        uint256 orderId = _openServiceOrder();
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, orderId, stranger));
        vm.prank(stranger);
        market.cancelOrder(orderId);
    }

    function test_cancelOrder_revertsWhenLeased() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Leased
            )
        );
        vm.prank(tenant);
        market.cancelOrder(leaseId);
    }

    function test_cancelOrder_revertsWhenAlreadyCanceled() public {
        uint256 orderId = _openServiceOrder();
        vm.prank(tenant);
        market.cancelOrder(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, orderId, IComputeMarket.OrderState.Closed
            )
        );
        vm.prank(tenant);
        market.cancelOrder(orderId);
        assertEq(_balanceOf(tenant), DEPOSIT, "refunded once");
    }

    // ------------------------------------------------------------ views

    function test_getOrder_revertsWhenOrderUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketUnknownOrder.selector, 1));
        market.getOrder(1);
    }

    function test_balanceOf_isPerToken() public {
        _fundAccount(tenant, 1 ether);
        assertEq(market.balanceOf(tenant, address(token)), 1 ether);
        assertEq(market.balanceOf(tenant, makeAddr("otherToken")), 0);
    }

    function _tryMul(uint256 a, uint256 b) private pure returns (bool, uint256) {
        unchecked {
            if (a == 0) return (true, 0);
            uint256 c = a * b;
            if (c / a != b) return (false, 0);
            return (true, c);
        }
    }
}
