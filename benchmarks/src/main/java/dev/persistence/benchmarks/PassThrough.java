package dev.persistence.benchmarks;

import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.interceptor.InterceptorBinding;

/**
 * Binds {@link PassThroughInterceptor}, which only proceeds: what any interceptor costs in the
 * container, before it does anything. {@code LockedInterceptorBenchmark} subtracts it from
 * {@code @Locked}'s cost to find what the lock interceptor itself adds.
 */
@InterceptorBinding
@Retention(RUNTIME)
@Target({ METHOD, TYPE })
public @interface PassThrough {
}
