/**
 * acquirer.authorization.v1.QrPaymentService: protobuf <-> the QR flows. Refusals are ServiceErrors
 * mapped once by toGrpcError; unexpected errors are logged (without payment codes) and become INTERNAL.
 */
import type { GrpcServiceRegistration } from '@acq/grpc';
import { toGrpcError, ServiceError } from '@acq/grpc';
import type { Fen } from '@acq/money';
import {
  QrFlow,
  type QrOrder as QrOrderMessage,
  QrOrderStatus,
  type QrPaymentServiceServer,
  QrPaymentServiceService,
  type QrRefund as QrRefundMessage,
} from '@acq/proto/authorization/v1/qr.ts';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { isQrProvider } from '../domain/providers.ts';
import type { QrOrder } from '../domain/qr-order.ts';
import { handleCallback } from '../flows/qr-callbacks.ts';
import type { QrDependencies } from '../flows/qr-dependencies.ts';
import { createCustomerPayment, createMerchantOrder, getOrder } from '../flows/qr-payments.ts';
import { refundOrder } from '../flows/qr-refunds.ts';
import type { QrRefund } from '../store/qr-order-store.ts';

const STATUS_MESSAGE: Readonly<Record<QrOrder['status'], QrOrderStatus>> = {
  NOTPAY: QrOrderStatus.QR_ORDER_STATUS_NOTPAY,
  USERPAYING: QrOrderStatus.QR_ORDER_STATUS_USERPAYING,
  SUCCESS: QrOrderStatus.QR_ORDER_STATUS_SUCCESS,
  CLOSED: QrOrderStatus.QR_ORDER_STATUS_CLOSED,
  REVOKED: QrOrderStatus.QR_ORDER_STATUS_REVOKED,
};

export function qrOrderMessage(order: QrOrder): QrOrderMessage {
  return {
    orderId: order.orderId,
    flow: order.flow === 'merchant_presented' ? QrFlow.QR_FLOW_MERCHANT_PRESENTED : QrFlow.QR_FLOW_CUSTOMER_PRESENTED,
    provider: order.provider,
    merchantId: order.merchantId,
    terminalId: order.terminalId,
    amountFen: order.amountFen,
    description: order.description,
    status: STATUS_MESSAGE[order.status],
    codeUrl: order.codeUrl,
    createdAtMs: BigInt(order.createdAtMs),
    expiresAtMs: BigInt(order.expiresAtMs),
    paidAtMs: BigInt(order.paidAtMs),
    refundedFen: order.refundedFen,
    feeFen: order.feeFen,
    failureCode: order.failureCode,
  };
}

function refundMessage(refund: QrRefund): QrRefundMessage {
  return {
    refundId: refund.refundId,
    orderId: refund.orderId,
    amountFen: refund.amountFen,
    status: refund.status,
    failureCode: refund.failureCode,
    createdAtMs: BigInt(refund.createdAtMs),
  };
}

function unary<Request, Response>(
  deps: QrDependencies,
  method: string,
  handler: (request: Request) => Promise<Response>,
) {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>): void => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (!(error instanceof ServiceError)) {
          deps.logger.error(
            { method, error: error instanceof Error ? error.message : String(error) },
            'QR call failed',
          );
        }
        callback(toGrpcError(error), null);
      },
    );
  };
}

export function qrPaymentGrpcService(deps: QrDependencies): GrpcServiceRegistration {
  const implementation: QrPaymentServiceServer = {
    createQrOrder: unary(deps, 'CreateQrOrder', async (request) => {
      if (!isQrProvider(request.provider))
        throw new ServiceError('INVALID_ARGUMENT', 'provider must be wechat, alipay or unionpay');
      const order = await createMerchantOrder(deps, {
        merchantId: request.merchantId,
        terminalId: request.terminalId,
        amountFen: request.amountFen as Fen,
        description: request.description,
        idempotencyKey: request.idempotencyKey,
        provider: request.provider,
        expiresInMs: Number(request.expiresInMs),
      });
      return qrOrderMessage(order);
    }),
    createQrPayment: unary(deps, 'CreateQrPayment', async (request) =>
      qrOrderMessage(
        await createCustomerPayment(deps, {
          merchantId: request.merchantId,
          terminalId: request.terminalId,
          amountFen: request.amountFen as Fen,
          description: request.description,
          idempotencyKey: request.idempotencyKey,
          paymentCode: request.paymentCode,
        }),
      ),
    ),
    getQrOrder: unary(deps, 'GetQrOrder', async (request) => qrOrderMessage(await getOrder(deps, request.orderId))),
    refundQrOrder: unary(deps, 'RefundQrOrder', async (request) =>
      refundMessage(
        await refundOrder(deps, {
          orderId: request.orderId,
          amountFen: request.amountFen as Fen,
          idempotencyKey: request.idempotencyKey,
        }),
      ),
    ),
    handleQrCallback: unary(deps, 'HandleQrCallback', async (request) => {
      await handleCallback(deps, request);
      return { accepted: true };
    }),
  };
  return { definition: QrPaymentServiceService, implementation };
}
